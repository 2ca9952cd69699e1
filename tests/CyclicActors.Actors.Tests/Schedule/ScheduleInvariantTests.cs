using CyclicActors.Actors.Schedule;
using Xunit;

namespace CyclicActors.Actors.Tests.Schedule;

/// <summary>cdp-method.md §9.1 items 1, 2, 4–8 and 14 for every N, L in 1..8 with N | 2L.</summary>
public sealed class ScheduleInvariantTests
{
    private const int Steps = 4;

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Delay_is_2L_over_N_and_dp_delay_is_zero(int workers, int stages)
    {
        Assert.Equal(2 * stages / workers, CdpSchedule.Create(workers, stages, UpdateRule.CdpV1).Delay);
        Assert.Equal(0, CdpSchedule.Create(workers, stages, UpdateRule.Dp).Delay);
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Each_worker_idles_exactly_i_delta_ticks_then_runs_one_op_per_tick(int workers, int stages)
    {
        var schedule = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        var delta = 2 * stages / workers;
        for (var worker = 0; worker < workers; worker++)
        {
            var ops = schedule.OpsForWorker(worker, Steps);
            Assert.Equal(Steps * 2 * stages, ops.Count);
            for (var n = 0; n < ops.Count; n++)
            {
                // Consecutive ticks from iδ: no gap, no overlap.
                Assert.Equal((long)(worker * delta) + n, ops[n].Tick);
                Assert.Equal(ops[n], schedule.OpAt(worker, ops[n].Tick));
            }

            for (long tick = 0; tick < worker * delta; tick++)
            {
                Assert.Null(schedule.OpAt(worker, tick));
            }
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Each_micro_batch_runs_every_stage_forward_then_backward_once(int workers, int stages)
    {
        var schedule = CdpSchedule.Create(workers, stages, UpdateRule.CdpV2);
        for (var worker = 0; worker < workers; worker++)
        {
            var ops = schedule.OpsForWorker(worker, Steps);
            foreach (var perStep in ops.GroupBy(op => op.Step))
            {
                for (var stage = 1; stage <= stages; stage++)
                {
                    var forward = Assert.Single(perStep, op => op.Stage == stage && op.Kind == OpKind.Forward);
                    var backward = Assert.Single(perStep, op => op.Stage == stage && op.Kind == OpKind.Backward);
                    Assert.True(forward.Tick < backward.Tick);
                    Assert.Equal(forward.Tick, schedule.TickOf(forward.Step, worker, stage, OpKind.Forward));
                    Assert.Equal(backward.Tick, schedule.TickOf(backward.Step, worker, stage, OpKind.Backward));
                }

                // The forward of stage j + 1 consumes the output of stage j; backward runs L..1.
                var forwards = perStep.Where(op => op.Kind == OpKind.Forward).Select(op => op.Stage);
                var backwards = perStep.Where(op => op.Kind == OpKind.Backward).Select(op => op.Stage);
                Assert.Equal(Enumerable.Range(1, stages), forwards);
                Assert.Equal(Enumerable.Range(1, stages).Reverse(), backwards);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Steady_state_runs_n_ops_per_tick_spread_evenly_over_stages(int workers, int stages)
    {
        var schedule = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        foreach (var tick in SteadyTicks(schedule))
        {
            var ops = schedule.OpsAtTick(tick);
            Assert.Equal(workers, ops.Count);
            var perStage = Enumerable.Range(1, stages).Select(stage => ops.Count(op => op.Stage == stage)).ToArray();
            if (workers % stages == 0)
            {
                Assert.All(perStage, count => Assert.Equal(workers / stages, count));
            }
            else if (workers < stages && schedule.Delay % 2 == 0)
            {
                Assert.All(perStage, count => Assert.InRange(count, 0, 1));
            }
        }

        // cdp-method.md §9.1 item 4 says "0 or 1" for every N < L, but that needs an even δ: worker
        // i's F_j (iδ + j − 1) meets worker i''s B_j (i'δ + 2L − j) iff (i − i')δ ≡ 2L − 2j + 1
        // (mod 2L), whose right side is odd. With odd δ (N = 2, L = 3, 5, 7; N = 4, L = 6) some stage
        // runs two ops in the same tick.
        if (workers < stages && schedule.Delay % 2 == 1)
        {
            Assert.Contains(SteadyTicks(schedule), tick =>
                schedule.OpsAtTick(tick).GroupBy(op => op.Stage).Any(group => group.Count() == 2));
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Activation_total_is_constant_for_even_n_or_n_equal_l_and_its_mean_always_matches_dp(int workers, int stages)
    {
        var cdp = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        var dp = CdpSchedule.Create(workers, stages, UpdateRule.Dp);
        var cycle = SteadyTicks(cdp).Take(2 * stages).ToArray();
        var cdpUnits = cycle.Select(tick => cdp.LiveActivationUnits(tick)).ToArray();
        var dpUnits = Enumerable.Range(0, 2 * stages).Select(tick => dp.LiveActivationUnits(tick)).ToArray();

        // Mean over a cycle N(L+1)/2 in both: the cycle sums are N·L(L+1).
        Assert.Equal(workers * stages * (stages + 1), cdpUnits.Sum());
        Assert.Equal(workers * stages * (stages + 1), dpUnits.Sum());
        Assert.Equal(workers * stages, dpUnits.Max());
        Assert.Equal(workers * stages, dpUnits[stages - 1]);
        Assert.Equal(workers * stages, dpUnits[stages]);

        if (workers % 2 == 0 || workers == stages)
        {
            Assert.All(SteadyTicks(cdp), tick => Assert.Equal(workers * (stages + 1), 2 * cdp.LiveActivationUnits(tick)));
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Gradient_contributions_are_balanced_n_over_2_per_tick_for_even_n(int workers, int stages)
    {
        var cdp = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        var dp = CdpSchedule.Create(workers, stages, UpdateRule.Dp);
        if (workers % 2 == 0)
        {
            Assert.All(SteadyTicks(cdp), tick => Assert.Equal(workers / 2, cdp.BackwardOpsAtTick(tick)));
        }

        for (var tick = 0; tick < 4 * stages; tick++)
        {
            var inBackwardHalf = tick % (2 * stages) >= stages;
            Assert.Equal(inBackwardHalf ? workers : 0, dp.BackwardOpsAtTick(tick));
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Stage_holders_are_n_times_l_minus_j_plus_1_over_l_when_n_at_least_l(int workers, int stages)
    {
        if (workers < stages)
        {
            return;
        }

        var schedule = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        foreach (var tick in SteadyTicks(schedule))
        {
            for (var stage = 1; stage <= stages; stage++)
            {
                Assert.Equal(workers * (stages - stage + 1), stages * schedule.ActivationHolders(tick, stage));
            }
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Weighted_activation_bytes_match_the_closed_forms(int workers, int stages)
    {
        var cdp = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        var dp = CdpSchedule.Create(workers, stages, UpdateRule.Dp);

        // Distinct, decreasing sizes, as in a CNN whose first stage holds the largest activations.
        var bytes = Enumerable.Range(1, stages).Select(stage => 1000L * (stages - stage + 1) + stage).ToArray();
        Assert.Equal(workers * bytes.Sum(), dp.SteadyStatePeakActivationBytes(bytes));
        if (workers >= stages)
        {
            // (N/L)·Σ(L−j+1)·a_j at every steady tick.
            var weighted = Enumerable.Range(1, stages).Sum(stage => (stages - stage + 1) * bytes[stage - 1]);
            Assert.All(SteadyTicks(cdp), tick =>
                Assert.Equal(workers * weighted, stages * cdp.PredictedActivationBytes(tick, bytes)));
            Assert.Equal(workers * weighted, stages * cdp.SteadyStatePeakActivationBytes(bytes));
        }

        Assert.Throws<ArgumentException>(() => cdp.PredictedActivationBytes(0, new long[stages + 1]));
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Gradient_completes_at_the_last_workers_backward_stage_l_first(int workers, int stages)
    {
        var schedule = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        var delta = 2 * stages / workers;
        for (var step = 0; step < Steps; step++)
        {
            for (var stage = 1; stage <= stages; stage++)
            {
                var lastBackward = Enumerable.Range(0, workers)
                    .Max(worker => schedule.TickOf(step, worker, stage, OpKind.Backward));
                var formula = (2L * stages * step) + ((workers - 1) * delta) + (2 * stages) - stage;
                Assert.Equal(formula, schedule.GradientCompletionTick(step, stage));
                Assert.Equal(lastBackward, schedule.GradientCompletionTick(step, stage));
            }

            Assert.Equal(
                schedule.GradientCompletionTick(step, stages) + stages - 1,
                schedule.GradientCompletionTick(step, 1));
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void One_update_every_2l_ticks_after_warm_up(int workers, int stages)
    {
        var schedule = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        Assert.Equal(2 * stages + ((workers - 1) * (2 * stages / workers)), schedule.WindowEndTick(0) + 1);
        for (var step = 1; step < Steps; step++)
        {
            Assert.Equal(2 * stages, schedule.WindowEndTick(step) - schedule.WindowEndTick(step - 1));
            Assert.Equal(schedule.WindowEndTick(step - 1) + 1, schedule.WindowStartTick(step));
            Assert.Equal(schedule.GradientCompletionTick(step, 1), schedule.WindowEndTick(step));
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.AllConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Dp_runs_all_workers_in_lockstep_for_any_n(int workers, int stages)
    {
        var dp = CdpSchedule.Create(workers, stages, UpdateRule.Dp);
        for (var tick = 0; tick < 4 * stages; tick++)
        {
            var ops = dp.OpsAtTick(tick);
            Assert.Equal(workers, ops.Count);
            Assert.Single(ops.Select(op => (op.Step, op.Stage, op.Kind)).Distinct());
        }
    }

    /// <summary>Two full cycles after warm-up; the schedule is 2L-periodic from then on.</summary>
    private static IEnumerable<long> SteadyTicks(CdpSchedule schedule)
    {
        for (var tick = schedule.SteadyStateStartTick; tick < schedule.SteadyStateStartTick + (2 * schedule.CycleLength); tick++)
        {
            yield return tick;
        }
    }
}
