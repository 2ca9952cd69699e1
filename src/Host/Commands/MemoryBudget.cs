using System.Globalization;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `--memory-budget BYTES|auto`: before training, the device's predicted need (<see cref="MemoryNeed"/>)
/// under the chosen rule is checked against the budget, and a run that cannot fit stops at once
/// with one line giving the need under DP and under each CDP rule, so the user sees which would fit.
/// </summary>
internal static class MemoryBudget
{
    /// <summary>`auto` on the CPU: this share of the memory the process may use (physical, or its container's limit).</summary>
    public const double CpuAutoShare = 0.8;

    public static readonly OptionSpec Spec = new("memory-budget", "BYTES|auto",
        $"check before training that the device's predicted need fits (1.5GB, 512MiB, 8G; auto: the GPU's free memory, or {CpuAutoShare:P0} of the memory available on the CPU) and stop at once if it does not; while training, the device pool gives cached blocks back rather than pass it");

    /// <summary>The budget in bytes and where it came from; null when the flag is absent.</summary>
    public static (long Bytes, string Origin)? Resolve(string? text, IDevicePool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (text is null)
        {
            return null;
        }

        if (!string.Equals(text.Trim(), "auto", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return (ByteSize.Parse(text), "--memory-budget");
            }
            catch (FormatException e)
            {
                throw new UsageException($"--memory-budget: {e.Message} or auto");
            }
        }

        if (pool.DeviceFreeBytes() is { } free)
        {
            return (free, $"--memory-budget auto: the free memory of {pool.Device}");
        }

        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return ((long)(available * CpuAutoShare), string.Create(CultureInfo.InvariantCulture, $"--memory-budget auto: {CpuAutoShare:P0} of the {ByteSize.Format(available)} available to this process"));
    }

    /// <summary>The predicted need of one device running every worker, under DP, CDP-v1 and CDP-v2 (null where N does not divide 2L).</summary>
    public static IReadOnlyDictionary<UpdateRule, MemoryNeed?> Needs(TrainingConfig config, ModelDefinition model, StagePartition partition, int totalSteps,
        DelayCompensation compensation, OpFootprint footprint, bool reducersOnDevice)
    {
        ArgumentNullException.ThrowIfNull(config);
        var layout = new ParameterLayout(model, partition);
        var perStage = TrainingPlan.StageActivationBytes(model, partition, config.MicroBatch);
        var ranks = Enumerable.Range(0, config.Workers).ToArray();
        var needs = new Dictionary<UpdateRule, MemoryNeed?>();
        foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2 })
        {
            needs[rule] = rule != UpdateRule.Dp && 2 * partition.StageCount % config.Workers != 0
                ? null
                : MemoryNeed.Predict(CdpSchedule.Create(config.Workers, partition.StageCount, rule), ranks, totalSteps, layout.StageSizes, perStage,
                    CompensationForRule.Effective(rule, compensation), footprint, reducersOnDevice);
        }

        return needs;
    }

    /// <summary>Throws the one-line refusal when the need under <paramref name="rule"/> exceeds the budget; otherwise returns the line to print.</summary>
    public static string Check(UpdateRule rule, IReadOnlyDictionary<UpdateRule, MemoryNeed?> needs, long budget, string origin, string device)
    {
        ArgumentNullException.ThrowIfNull(needs);
        var need = needs[rule] ?? throw new UsageException($"--rule {rule.ToCliName()} needs a worker count dividing 2L");
        var all = string.Join(", ", needs.Select(entry => $"{entry.Key.ToCliName()} {(entry.Value is { } n ? ByteSize.Format(n.Total) : "n/a (N must divide 2L)")}"));
        var line = string.Create(CultureInfo.InvariantCulture,
            $"memory on {device}: {rule.ToCliName()} needs {need.Describe()}; budget {ByteSize.Format(budget)} ({origin}); need by rule: {all}");
        return need.Total > budget
            ? throw new UsageException($"the run does not fit: {line}")
            : line;
    }
}
