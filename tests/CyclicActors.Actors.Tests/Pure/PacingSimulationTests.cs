using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Workers;

namespace CyclicActors.Actors.Tests.Pure;

/// <summary>
/// The runtime's decisions (worker states, token ring, reducers' folds) and a device's pacing,
/// driven by a discrete-event simulation in which every op takes a random time: under every pacing
/// mode and rule, for every N, L in 1..8 the rule accepts, the run always completes (no deadlock),
/// and paced runs never hold more activation memory than the schedule predicts: in total under
/// budget pacing, per stage under tick pacing (what a pool of exact-size blocks reserves).
/// </summary>
public sealed class PacingSimulationTests
{
    private const int Steps = 4;

    public static TheoryData<int, int, UpdateRule, PacingMode> Configurations()
    {
        var data = new TheoryData<int, int, UpdateRule, PacingMode>();
        foreach (var mode in Enum.GetValues<PacingMode>())
        {
            for (var stages = 1; stages <= 8; stages++)
            {
                for (var workers = 1; workers <= 8; workers++)
                {
                    data.Add(workers, stages, UpdateRule.Dp, mode);
                    if (2 * stages % workers == 0)
                    {
                        data.Add(workers, stages, UpdateRule.CdpV1, mode);
                        data.Add(workers, stages, UpdateRule.CdpV2, mode);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Every_run_completes_and_paced_runs_stay_within_the_predicted_activation_peak(int workers, int stages, UpdateRule rule, PacingMode mode)
    {
        var schedule = CdpSchedule.Create(workers, stages, rule);
        // Unequal stages, as real models have: stage j keeps j + 1 units per micro-batch.
        var perStage = Enumerable.Range(1, stages).Select(j => (long)(j + 1)).ToArray();
        var ticks = Enumerable.Range(0, (Steps + 1) * schedule.CycleLength + (workers * schedule.Delay)).ToArray();
        var predicted = ticks.Max(tick => schedule.PredictedActivationBytes(tick, perStage, Steps));
        // Per stage, the most micro-batches the schedule has holding that stage's activations at one tick.
        var predictedHolders = Enumerable.Range(0, stages)
            .Select(j => ticks.Max(tick => schedule.PredictedActivationBytes(tick, [.. Enumerable.Range(0, stages).Select(k => k == j ? 1L : 0L)], Steps))).ToArray();
        for (var seed = 0; seed < 3; seed++)
        {
            var (peak, holders) = Simulate(schedule, perStage, mode, predicted, new Random((workers * 97) + (stages * 13) + seed));
            if (mode == PacingMode.Budget)
            {
                Assert.True(peak <= predicted, $"{schedule} {mode}: {peak} units live at once, predicted peak {predicted}");
            }

            if (mode == PacingMode.Tick)
            {
                for (var j = 0; j < stages; j++)
                {
                    Assert.True(holders[j] <= predictedHolders[j], $"{schedule} {mode}: stage {j + 1} had {holders[j]} holders at once, predicted at most {predictedHolders[j]}");
                }
            }
        }
    }

    [Fact]
    public void Without_pacing_drifting_workers_exceed_the_prediction_and_tick_pacing_keeps_them_to_it()
    {
        // CDP-v1, N = L = 4: the token passes after two fast ops, then every op is slow, so without
        // pacing all four micro-batches run their slow forwards together, as DP's would, and the
        // activations of more stages than predicted are live at once.
        var schedule = CdpSchedule.Create(4, 4, UpdateRule.CdpV1);
        long[] perStage = [4, 3, 2, 1];
        var predicted = Enumerable.Range(0, 60).Max(tick => schedule.PredictedActivationBytes(tick, perStage, Steps));
        double Duration(ScheduledOp op, Random _) => op.Kind == OpKind.Forward && op.Stage <= 2 ? 1.0 : 5.0;

        var (unpaced, _) = Simulate(schedule, perStage, PacingMode.None, predicted, new Random(1), Duration);
        var (paced, _) = Simulate(schedule, perStage, PacingMode.Tick, predicted, new Random(1), Duration);

        Assert.True(unpaced > predicted, $"unpaced peak {unpaced}, predicted {predicted}");
        Assert.True(paced <= predicted, $"paced peak {paced}, predicted {predicted}");
    }

    [Fact]
    public void Budget_pacing_grants_reservations_in_tick_order_and_never_beyond_the_budget()
    {
        var schedule = CdpSchedule.Create(2, 2, UpdateRule.CdpV1);
        var state = new PacingState(schedule, [0, 1], totalSteps: 2, PacingMode.Budget, perStageBytes: [10, 10], budget: 20);
        var w0 = schedule.OpOf(0, 0, 0);
        var w1 = schedule.OpOf(1, 0, 0);

        Assert.False(state.CanStart(w1)); // rank 0's first forward (tick 0) comes first
        state.Started(w0);
        Assert.False(state.CanStart(w1)); // and its second (tick 1) before rank 1's first (tick 2)
        state.Completed(w0);
        var w0Second = schedule.OpOf(0, 0, 1);
        state.Started(w0Second); // 20 of 20 reserved; rank 0's next forward is at tick 4
        Assert.False(state.CanStart(w1)); // first in tick order now, but the budget is full
        state.Completed(w0Second);
        var w0Back = schedule.OpOf(0, 0, 2);
        Assert.True(state.CanStart(w0Back)); // backwards never wait
        state.Started(w0Back);
        state.Completed(w0Back); // releases stage 2's 10 bytes
        Assert.Equal(10, state.Reserved);
        Assert.True(state.CanStart(w1));
        Assert.Throws<InvalidOperationException>(() => state.Completed(schedule.OpOf(1, 0, 1))); // not rank 1's next op
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacingState(schedule, [0], 1, PacingMode.Budget, [10, 30], budget: 20));
    }

    /// <summary>
    /// Runs the whole decision protocol with random op durations; returns the largest activation
    /// total live at once and, per stage, the most micro-batches holding its activations at once.
    /// </summary>
    private static (long Peak, int[] Holders) Simulate(CdpSchedule schedule, long[] perStage, PacingMode mode, long budget, Random random, Func<ScheduledOp, Random, double>? duration = null)
    {
        duration ??= (_, r) => 0.5 + r.NextDouble();
        var workers = schedule.Workers;
        var ring = RingTopology.Create(workers, 1);
        var states = Enumerable.Range(0, workers)
            .Select(rank => new WorkerState(schedule, rank, Steps, DelayCompensation.None, TokenRingState.ForSchedule(schedule, ring, rank))).ToArray();
        var pacing = new PacingState(schedule, [.. Enumerable.Range(0, workers)], Steps, mode, perStage, mode == PacingMode.Budget ? budget : long.MaxValue);
        var contributions = new int[Steps, schedule.Stages];
        foreach (var state in states)
        {
            for (var stage = 0; stage < schedule.Stages; stage++)
            {
                state.ParametersArrived(new ParametersPublished(stage, 0, [], []));
            }
        }

        var running = new (RunOp Run, double End)?[workers];
        double now = 0;
        long live = 0, peak = 0;
        var holding = new int[schedule.Stages];
        var holders = new int[schedule.Stages];
        while (true)
        {
            for (var rank = 0; rank < workers; rank++)
            {
                if (running[rank] is null && states[rank].Decide() is RunOp run && pacing.CanStart(run.Op))
                {
                    pacing.Started(run.Op);
                    if (run.Op.Kind == OpKind.Forward)
                    {
                        live += perStage[run.StageIndex];
                        peak = Math.Max(peak, live);
                        holders[run.StageIndex] = Math.Max(holders[run.StageIndex], ++holding[run.StageIndex]);
                    }

                    running[rank] = (run, now + duration(run.Op, random));
                }
            }

            var next = Enumerable.Range(0, workers).Where(rank => running[rank] is not null).OrderBy(rank => running[rank]!.Value.End).ThenBy(rank => rank).FirstOrDefault(-1);
            if (next < 0)
            {
                Assert.True(states.All(state => state.Decide() is Finished), $"{schedule} {mode}: deadlock at t = {now:F2}; decisions: {string.Join(", ", states.Select(s => s.Decide()))}");
                return (peak, holders);
            }

            var (done, end) = running[next]!.Value;
            running[next] = null;
            now = end;
            var op = done.Op;
            var completion = states[next].Complete(done);
            pacing.Completed(op);
            foreach (var pass in completion.TokenEffects.OfType<PassToken>())
            {
                states[pass.ToRank].TokenArrived(pass.Token);
            }

            if (op.Kind == OpKind.Backward)
            {
                live -= perStage[done.StageIndex];
                holding[done.StageIndex]--;
                if (++contributions[op.Step, done.StageIndex] == workers)
                {
                    foreach (var state in states)
                    {
                        state.ParametersArrived(new ParametersPublished(done.StageIndex, op.Step + 1, [], []));
                    }
                }
            }
        }
    }
}
