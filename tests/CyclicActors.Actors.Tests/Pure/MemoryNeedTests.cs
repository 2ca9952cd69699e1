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
        Assert.Equal(4 * 1, dp.Workspace); // every worker at F4 or B4 at once: all its activations and stage 4's temporaries (101 per worker, the most of any op)
        Assert.Equal(16, cdp.Workspace); // one op of each stage at a tick
        Assert.Equal(4 * 9, cdp.Data);
        Assert.Equal((400 - 300) + (4 - 16), dp.Total - cdp.Total);
    }

    [Fact]
    public void Reducers_on_the_device_add_master_incoming_sum_and_momentum_and_lookahead_adds_one_stage_scratch_per_worker_that_looks_ahead()
    {
        var plain = Need(UpdateRule.CdpV2, DelayCompensation.None, reducersOnDevice: true);
        var lookahead = Need(UpdateRule.CdpV2, DelayCompensation.Lookahead, reducersOnDevice: true);

        Assert.Equal(5 * 4000, plain.Parameters);
        Assert.Equal(6 * 4000, plain.Gradients);
        Assert.Equal(4000, plain.OptimizerState);
        // Under CDP-v2 with N = L the last worker reads the current version of every stage and never
        // looks ahead: three scratches of the largest stage (400 floats); under CDP-v1 all four.
        var schedule = CdpSchedule.Create(4, 4, UpdateRule.CdpV2);
        Assert.All(Enumerable.Range(1, 4), stage => Assert.True(schedule.IsFresh(3, stage)));
        Assert.Equal(4000 + (3 * 400 * 4), lookahead.OptimizerState);
        Assert.Equal(4000 + (4 * 400 * 4), Need(UpdateRule.CdpV1, DelayCompensation.Lookahead, reducersOnDevice: true).OptimizerState);
        Assert.Equal(400 * 4, MemoryNeed.Predict(schedule, [2], 4, StageParameters, StageActivations, DelayCompensation.Lookahead, Footprint, false).OptimizerState);
        Assert.Equal(0, MemoryNeed.Predict(schedule, [3], 4, StageParameters, StageActivations, DelayCompensation.Lookahead, Footprint, false).OptimizerState);
        Assert.Contains("optimizer state", lookahead.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(8, 4)]
    [InlineData(5, 5)]
    [InlineData(6, 3)]
    [InlineData(2, 6)]
    public void The_workspace_peak_is_the_largest_sum_over_the_ops_running_at_one_tick(int workers, int stages)
    {
        var perStage = Enumerable.Range(1, stages).Select(stage => (long)(stage * stage) + 3).ToArray();
        var ranks = Enumerable.Range(0, workers).ToArray();
        foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1 })
        {
            var schedule = CdpSchedule.Create(workers, stages, rule);
            long expected = 0;
            for (long tick = 0; tick < (3 * schedule.CycleLength) + schedule.SteadyStateStartTick; tick++)
            {
                expected = Math.Max(expected, ranks.Sum(rank => schedule.OpAt(rank, tick) is { } op && op.Step < 3 ? perStage[op.Stage - 1] : 0));
            }

            Assert.Equal(expected, schedule.PredictedPeakWorkspaceBytes(perStage, 3, ranks));
        }

        Assert.Equal(workers * perStage.Max(), CdpSchedule.Create(workers, stages, UpdateRule.Dp).PredictedPeakWorkspaceBytes(perStage, 3, ranks));
    }

    [Fact]
    public void Under_cdp_with_n_equal_l_each_tick_runs_one_op_of_every_stage()
    {
        long[] perStage = [1, 10, 100, 1000];
        Assert.Equal(1111, CdpSchedule.Create(4, 4, UpdateRule.CdpV1).PredictedPeakWorkspaceBytes(perStage, 3, [0, 1, 2, 3]));
        Assert.Equal(2222, CdpSchedule.Create(8, 4, UpdateRule.CdpV1).PredictedPeakWorkspaceBytes(perStage, 3, [.. Enumerable.Range(0, 8)]));
    }

    [Fact]
    public void One_worker_holds_most_at_the_op_where_its_activations_plus_that_ops_temporaries_peak()
    {
        var schedule = CdpSchedule.Create(4, 4, UpdateRule.CdpV1);
        Assert.Equal((100L, 1L), schedule.MostHeldAtOneOp(StageActivations, [7, 5, 3, 1])); // F4: everything held
        Assert.Equal((40L, 200L), schedule.MostHeldAtOneOp(StageActivations, [200, 5, 3, 1])); // F1 or B1: stage 1 only, its large workspace
    }

    [Fact]
    public void The_need_takes_the_smaller_bound_the_one_worker_bound_when_a_large_workspace_runs_while_few_activations_are_held()
    {
        var heavyFirstStage = new OpFootprint([200, 5, 3, 1], DataBytes: 9);
        var dp = MemoryNeed.Predict(CdpSchedule.Create(4, 4, UpdateRule.Dp), [0, 1, 2, 3], 4, StageParameters, StageActivations, DelayCompensation.None, heavyFirstStage, false);
        var cdp = MemoryNeed.Predict(CdpSchedule.Create(4, 4, UpdateRule.CdpV1), [0, 1, 2, 3], 4, StageParameters, StageActivations, DelayCompensation.None, heavyFirstStage, false);

        Assert.Equal(4 * (40 + 200), dp.Activations + dp.Workspace); // N·(a_1 + w_1) at F1/B1, not N·Σa_j + N·w_1
        Assert.Equal(300 + (200 + 5 + 3 + 1), cdp.Activations + cdp.Workspace); // the schedule's peaks: stage j held by 5 − j workers, one op of every stage
    }

    private static MemoryNeed Need(UpdateRule rule, DelayCompensation compensation, bool reducersOnDevice) =>
        MemoryNeed.Predict(CdpSchedule.Create(4, 4, rule), [0, 1, 2, 3], 4, StageParameters, StageActivations, compensation, Footprint, reducersOnDevice);
}
