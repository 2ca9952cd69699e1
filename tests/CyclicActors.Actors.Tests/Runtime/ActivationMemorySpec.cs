using CyclicActors.Actors.Planning;
using System.Globalization;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// The memory claim measured on the real runtime: activation bytes summed over the workers of
/// the process, per logical tick, against the schedule's prediction with the real per-stage bytes.
/// </summary>
public sealed class ActivationMemorySpec(ITestOutputHelper output) : ActorSpec(output)
{
    private readonly ITestOutputHelper _output = output;

    [Fact]
    public async Task Mlp_deep_cdp_flattens_the_activation_peak_as_predicted()
    {
        // mlp-deep cut by activations into 4 equal stages (two 1024-wide dense+ReLU pairs each).
        var config = TrainingFixtures.Config("mlp-deep", workers: 4, steps: 2, microBatch: 2, partition: "activations");
        var data = TrainingFixtures.Synthetic(32);
        var (_, _, initial) = TrainingFixtures.Build(config, data);

        var cdp = await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1 }, data, initial);
        var dp = await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.Dp }, data, initial);

        Report("cdp-v1", cdp);
        Report("dp", dp);
        foreach (var run in new[] { cdp, dp })
        {
            Assert.Equal(0, run.VersionViolations);
            var report = run.Activations;
            Assert.InRange((double)report.MeasuredPeakBytes / report.PredictedPeakBytes, 0.95, 1.05);
            Assert.All(report.Profile, tick => Assert.InRange(tick.MeasuredBytes, (long)(0.95 * tick.PredictedBytes), (long)(1.05 * tick.PredictedBytes)));
            // Every logical tick from the first op to the last worker's last op is measured: 2L·steps + (N−1)δ.
            var schedule = CdpSchedule.Create(4, 4, run == cdp ? UpdateRule.CdpV1 : UpdateRule.Dp);
            Assert.Equal(Enumerable.Range(0, (8 * 2) + (int)schedule.SteadyStateStartTick).Select(t => (long)t), report.Profile.Select(t => t.Tick));
        }

        double ratio = (double)cdp.Activations.MeasuredPeakBytes / dp.Activations.MeasuredPeakBytes;
        Assert.InRange(ratio, 0.625 * 0.95, 0.625 * 1.05);
    }

    private void Report(string name, ActorTrainingResult run)
    {
        var a = run.Activations;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: per-stage bytes [{string.Join(", ", a.PerStageBytes)}]; measured peak {a.MeasuredPeakBytes}, predicted peak {a.PredictedPeakBytes}, wall-clock peak {a.WallClockPeakBytes}; violations {run.VersionViolations}"));
        _output.WriteLine("tick measured predicted: " + string.Join("; ", a.Profile.Select(t => $"{t.Tick} {t.MeasuredBytes} {t.PredictedBytes}")));
    }
}
