using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// Pacing on the real runtime: it changes when ops run, never what they compute, and a paced run
/// holds no more activation bytes in wall-clock time than the schedule predicts; the workers and
/// reducers draw from the one pool they are given.
/// </summary>
public sealed class PacingSpec(ITestOutputHelper output) : ActorSpec(output)
{
    [Theory]
    [InlineData(PacingMode.Tick)]
    [InlineData(PacingMode.Budget)]
    public async Task A_paced_run_ends_with_the_unpaced_parameters_bitwise_and_within_the_predicted_peak(PacingMode pacing)
    {
        var config = TrainingFixtures.Config("mlp-deep", workers: 4, steps: 3, microBatch: 2, partition: "activations");
        var data = TrainingFixtures.Synthetic(32);
        var (_, _, initial) = TrainingFixtures.Build(config, data);

        var unpaced = await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2 }, data, initial);
        var paced = await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2, Pacing = pacing }, data, initial);

        TrainingFixtures.AssertBitwiseEqual(unpaced.Outcome, paced.Outcome);
        Assert.Equal(0, paced.VersionViolations);
        // The ledger's wall-clock peak of live activations: every allocation counted, not sampled.
        Assert.True(paced.Outcome.PeakActivationBytes <= paced.Activations.PredictedPeakBytes,
            $"{pacing}: {paced.Outcome.PeakActivationBytes} bytes of activations live at once, predicted peak {paced.Activations.PredictedPeakBytes}");
    }

    [Fact]
    public async Task Workers_and_reducers_draw_from_the_pool_they_share_and_the_run_reports_its_high_water()
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, steps: 2, microBatch: 2, stages: 2);
        var data = TrainingFixtures.Synthetic(16);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var pool = new CpuMemoryPool();
        var options = new ActorTrainingOptions
        {
            Training = config,
            Rule = UpdateRule.CdpV1,
            BackendFactory = (_, ledger) => new CpuBackend(new MemoryLedger(ledger), pool),
            ReducerBackendFactory = ledger => new CpuBackend(new MemoryLedger(ledger), pool),
            DevicePool = pool,
        };

        var run = await ActorTrainer.RunAsync(Sys, options, data, initial);

        // Everything the process's backends held came from this pool: its high-water covers the ledger's peaks of every kind.
        Assert.True(run.ReservedPeakBytes >= run.LedgerPeakBytes[MemoryTag.Parameters] + run.LedgerPeakBytes[MemoryTag.Gradients],
            $"reserved peak {run.ReservedPeakBytes}, ledger {string.Join(", ", run.LedgerPeakBytes)}");
        Assert.Equal(pool.ReservedPeakBytes, run.ReservedPeakBytes);
        Assert.True(pool.ReservedBytes > 0);
    }
}
