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
        Assert.Equal(4 * 7, cdp.Workspace); // every worker in stage 1's op, the heaviest, at once
        Assert.Equal(4 * 9, cdp.Data);
        Assert.Equal((400 - 300) + (4 - 28), dp.Total - cdp.Total);
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

    [Fact]
    public void Pacing_gates_activations_not_temporaries_so_every_worker_may_be_in_its_heaviest_op_at_once()
    {
        // Stage 1's op holds 7 bytes of temporaries, the most of any: under CDP the ops of one tick are
        // spread over the stages (7 + 5 + 3 + 1), but in wall-clock time all four workers can be in
        // stage 1 at once, as cnn's runs showed (13.1–16.8 MB held against 9.4 MB at the busiest tick).
        foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2 })
        {
            var need = MemoryNeed.Predict(CdpSchedule.Create(4, 4, rule), [0, 1, 2, 3], 4, StageParameters, StageActivations, DelayCompensation.None,
                new OpFootprint([7, 5, 3, 1], DataBytes: 9), reducersOnDevice: false);
            var (one, oneWorkspace) = CdpSchedule.Create(4, 4, rule).MostHeldAtOneOp(StageActivations, [7, 5, 3, 1]);
            long scheduled = CdpSchedule.Create(4, 4, rule).PredictedPeakActivationBytes(StageActivations, 4, [0, 1, 2, 3]);
            Assert.Equal(Math.Min(scheduled + (4 * 7), 4 * (one + oneWorkspace)), need.Activations + need.Workspace);
        }
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
        Assert.Equal(4 * (40 + 200), cdp.Activations + cdp.Workspace); // below the schedule's activation peak (300) plus 4 · 200
    }

    private static MemoryNeed Need(UpdateRule rule, DelayCompensation compensation, bool reducersOnDevice) =>
        MemoryNeed.Predict(CdpSchedule.Create(4, 4, rule), [0, 1, 2, 3], 4, StageParameters, StageActivations, compensation, Footprint, reducersOnDevice);
}
