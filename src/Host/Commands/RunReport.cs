using System.Globalization;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Reporting;

namespace CyclicActors.Host.Commands;

/// <summary>
/// The end of every training run, one process or a cluster: test accuracy, the result line, the
/// checkpoint and the summary with the keys `train` documents (plus engine-specific extras).
/// </summary>
internal static class RunReport
{
    /// <summary>Reports the run and writes its files; returns the exit code (1 when an output could not be written).</summary>
    public static int Finish(
        TrainOptions options, string engine, string backendName, string compensation,
        ModelDefinition model, StagePartition partition, ParameterLayout layout, DataOrder order,
        Dataset trainSet, Dataset testSet, IComputeBackend evaluationBackend, TrainingOutcome outcome,
        IReadOnlyDictionary<string, object?> extras, Action? saveCheckpoint = null, IReadOnlyList<EvaluationQueue.Evaluation>? evaluations = null)
    {
        var config = options.Config;
        bool dpOnly = engine == "reference";
        string rule = dpOnly ? "dp" : options.Rule.ToCliName();
        double accuracy = TrainCommand.TestAccuracy(model, partition, evaluationBackend, outcome.FinalParameters, testSet);
        string hash = ParameterHash.Sha256(outcome.FinalParameters);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test accuracy {accuracy:P2} on {testSet.Count} samples; final loss {outcome.FinalLoss:F4}; {outcome.Steps} steps in {outcome.WallSeconds:F1} s ({outcome.SamplesPerSecond:F0} samples/s); parameters sha256 {hash}"));
        var evaluated = new Dictionary<string, object?>();
        if (evaluations is not null)
        {
            EvaluationQueue.Summarize(evaluations, outcome.Steps, accuracy, order.StepsPerEpoch, evaluated);
        }

        if (evaluations is { Count: > 0 })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"evaluated during training: {string.Join(", ", evaluations.Select(e => $"{e.Accuracy:P2} after {e.Step} steps"))}; best {(double)evaluated["best_test_accuracy"]!:P2} after {evaluated["best_test_accuracy_steps_done"]} steps"));
        }


        // The outputs were checked before training, but a disk can still fill up or vanish: each output is
        // written on its own, so one that fails does not take the others (or the result line) with it.
        bool written = true;
        if (options.SaveDirectory is not null)
        {
            written &= TryWrite("checkpoint", options.SaveDirectory, saveCheckpoint ?? (() => CheckpointWriter.Save(options.SaveDirectory, layout, partition, config, rule, order, trainSet, outcome)));
        }

        if (options.SummaryFile is null)
        {
            return written ? 0 : 1;
        }

        var document = new Dictionary<string, object?>
        {
            ["model"] = model.Name,
            ["rule"] = rule,
            ["engine"] = engine,
            ["v2_rule"] = options.Rule == UpdateRule.CdpV2 && !dpOnly ? options.Freshness.ToCliName() : null,
            ["compensation"] = compensation,
            ["workers"] = config.Workers,
            ["stages"] = partition.StageCount,
            ["partition"] = partition.ToString(),
            ["micro_batch"] = config.MicroBatch,
            ["epochs"] = outcome.Epochs,
            ["steps"] = outcome.Steps,
            ["lr"] = config.LearningRate,
            ["lr_schedule"] = config.LearningRateSchedule,
            ["momentum"] = config.Momentum,
            ["weight_decay"] = config.WeightDecay,
            ["seed"] = config.Seed,
            ["backend"] = backendName,
            ["data"] = trainSet.Name,
            ["data_sha256"] = trainSet.Fingerprint,
            ["test_accuracy"] = accuracy,
            ["test_samples"] = testSet.Count,
            ["final_loss"] = outcome.FinalLoss,
            ["samples_per_second"] = outcome.SamplesPerSecond,
            ["wall_seconds"] = outcome.WallSeconds,
            ["parameter_sha256"] = hash,
        };
        foreach (var (key, value) in extras.Concat(evaluated))
        {
            document[key] = value;
        }

        written &= TryWrite("summary", options.SummaryFile, () => JsonOutput.WriteSummary(options.SummaryFile, document));
        return written ? 0 : 1;
    }

    /// <summary>The reducers' own counts (summary field "contributions"): lost and refused_twice are 0 in a sound run.</summary>
    public static Dictionary<string, long> Contributions(Actors.Coordination.ContributionCounts counts) => new()
    {
        ["expected"] = counts.Expected,
        ["folded"] = counts.Folded,
        ["lost"] = counts.Lost,
        ["refused_twice"] = counts.RefusedTwice,
    };

    private static bool TryWrite(string what, string path, Action write)
    {
        try
        {
            write();
            Console.WriteLine($"{what} written to {path}");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or GpuCompute.Checkpoints.CheckpointTargetException)
        {
            Console.Error.WriteLine($"cyclic: the {what} could not be written to {path}: {e.Message}");
            return false;
        }
    }
}
