using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class MemoryNeedTests
{
    private static readonly long[] StageParameters = [100, 300, 200, 400];
    private static readonly long[] StageActivations = [40, 30, 20, 10];
    private static readonly OpFootprint Footprint = new([7, 5, 3, 1], DataBytes: 9);

    [Fact]
    public void Dp_holds_every_stage_of_every_worker_and_cdp_with_n_equal_l_holds_stage_j_on_five_minus_j_workers()
    {
        var dp = Need(UpdateRule.Dp, DelayCompensation.None, reducersOnDevice: false);
        var cdp = Need(UpdateRule.CdpV1, DelayCompensation.None, reducersOnDevice: false);

        Assert.Equal(4 * 100, dp.Activations); // N·Σa_j
        Assert.Equal((4 * 40) + (3 * 30) + (2 * 20) + (1 * 10), cdp.Activations); // stage j held for 10 − 2j ticks, δ = 2 apart (0.625 of DP with equal stages)
        Assert.Equal(4 * 1000 * 4, dp.Parameters); // one replica per worker, 4 bytes a float
        Assert.Equal(dp.Parameters, dp.Gradients);
        Assert.Equal(0, dp.OptimizerState); // momentum lives with the reducers, off this device
        Assert.Equal(4 * 16, dp.Workspace); // every worker runs the same stage at once
        Assert.Equal(16, cdp.Workspace); // one op of each stage at a tick
        Assert.Equal(4 * 9, cdp.Data);
        Assert.Equal((400 - 300) + (64 - 16), dp.Total - cdp.Total);
    }

    [Fact]
    public void Reducers_on_the_device_add_master_incoming_sum_and_momentum_and_lookahead_adds_one_stage_scratch_per_worker()
    {
        var plain = Need(UpdateRule.CdpV2, DelayCompensation.None, reducersOnDevice: true);
        var lookahead = Need(UpdateRule.CdpV2, DelayCompensation.Lookahead, reducersOnDevice: true);

        Assert.Equal(5 * 4000, plain.Parameters);
        Assert.Equal(6 * 4000, plain.Gradients);
        Assert.Equal(4000, plain.OptimizerState);
        Assert.Equal(4000 + (4 * 400 * 4), lookahead.OptimizerState);
        Assert.Contains("optimizer state", lookahead.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_most_ops_of_a_stage_at_one_tick_is_n_under_dp_and_one_under_cdp_with_n_equal_l()
    {
        var ranks = Enumerable.Range(0, 4).ToArray();
        for (var stage = 1; stage <= 4; stage++)
        {
            Assert.Equal(4, CdpSchedule.Create(4, 4, UpdateRule.Dp).MostOpsAtOnce(stage, 3, ranks));
            Assert.Equal(1, CdpSchedule.Create(4, 4, UpdateRule.CdpV1).MostOpsAtOnce(stage, 3, ranks));
            Assert.Equal(2, CdpSchedule.Create(8, 4, UpdateRule.CdpV1).MostOpsAtOnce(stage, 3, [.. Enumerable.Range(0, 8)]));
        }
    }

    private static MemoryNeed Need(UpdateRule rule, DelayCompensation compensation, bool reducersOnDevice) =>
        MemoryNeed.Predict(CdpSchedule.Create(4, 4, rule), [0, 1, 2, 3], 4, StageParameters, StageActivations, compensation, Footprint, reducersOnDevice);
}
