using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Tests.Schedule;

/// <summary>
/// Queries on the schedule that only the tests ask: the paper's profiles and the authors' code's
/// view of the update rules, derived from the schedule's own ticks, versions and prediction, so the
/// tests check the runtime's instruction source against the method's formulas.
/// </summary>
internal static class ScheduleAnalysis
{
    /// <summary>The worker's ops for steps 0..steps−1 in execution order: F_1..F_L, B_L..B_1 per step.</summary>
    public static IReadOnlyList<ScheduledOp> OpsForWorker(this CdpSchedule schedule, int worker, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        return [.. Enumerable.Range(0, steps).SelectMany(step => Enumerable.Range(0, schedule.CycleLength).Select(index => schedule.OpOf(worker, step, index)))];
    }

    /// <summary>Micro-batches holding stage <paramref name="stage"/>'s activations at <paramref name="tick"/>.</summary>
    public static int ActivationHolders(this CdpSchedule schedule, long tick, int stage) =>
        Enumerable.Range(0, schedule.Workers).Count(worker => schedule.HoldsActivation(worker, stage, tick));

    /// <summary>Live activation units (one unit per held (micro-batch, stage)) at <paramref name="tick"/>, summed over workers.</summary>
    public static int LiveActivationUnits(this CdpSchedule schedule, long tick) =>
        Enumerable.Range(1, schedule.Stages).Sum(stage => schedule.ActivationHolders(tick, stage));

    /// <summary>The largest predicted activation total over ticks [fromTick, toTickExclusive).</summary>
    public static long PeakActivationBytes(this CdpSchedule schedule, IReadOnlyList<long> perStageBytes, long fromTick, long toTickExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromTick);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(toTickExclusive, fromTick);
        long peak = 0;
        for (var tick = fromTick; tick < toTickExclusive; tick++)
        {
            peak = Math.Max(peak, schedule.PredictedActivationBytes(tick, perStageBytes));
        }

        return peak;
    }

    /// <summary>
    /// The peak over one full cycle after warm-up; the profile is 2L-periodic from then on, so this
    /// is the peak of any longer steady-state window. DP: N·Σa_j; CDP with N ≥ L: (N/L)·Σ(L−j+1)·a_j.
    /// </summary>
    public static long SteadyStatePeakActivationBytes(this CdpSchedule schedule, IReadOnlyList<long> perStageBytes) =>
        schedule.PeakActivationBytes(perStageBytes, schedule.SteadyStateStartTick, schedule.SteadyStateStartTick + schedule.CycleLength);

    /// <summary>Backward ops at <paramref name="tick"/>: gradient contributions produced (one per (worker, stage)).</summary>
    public static int BackwardOpsAtTick(this CdpSchedule schedule, long tick) => schedule.OpsAtTick(tick).Count(op => op.Kind == OpKind.Backward);

    /// <summary>
    /// The tick of the last B_j of <paramref name="step"/> (worker N − 1's), after which the stage's
    /// gradient for that step is complete: 2Lk + (N−1)δ + 2L − j.
    /// </summary>
    public static long GradientCompletionTick(this CdpSchedule schedule, int step, int stage) => schedule.TickOf(step, schedule.Workers - 1, stage, OpKind.Backward);

    /// <summary>
    /// The step whose folded gradient a worker must wait for before running (step, worker, stage),
    /// or null when the op reads θ_0, which exists from the start.
    /// </summary>
    public static int? StepWhoseFoldIsAwaited(this CdpSchedule schedule, int step, int worker, int stage)
    {
        var version = schedule.RequiredVersion(step, worker, stage);
        return version == 0 ? null : version - 1;
    }

    /// <summary>
    /// The authors' code's view: which step's averaged gradient rank <paramref name="worker"/> applies
    /// to its stage-<paramref name="stage"/> block at the end of <paramref name="iteration"/>, or null
    /// for no update. DP: the iteration's own; v1: the previous one (none at iteration 0); v2: the
    /// own for fresh blocks, the previous for stale ones (none at iteration 0).
    /// </summary>
    public static int? ReferenceAppliedGradientStep(this CdpSchedule schedule, int iteration, int worker, int stage)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iteration);
        if (schedule.IsFresh(worker, stage))
        {
            return iteration;
        }

        return iteration == 0 ? null : iteration - 1;
    }

    /// <summary>Whether the authors' code updates that rank's stage block at the end of <paramref name="step"/>.</summary>
    public static bool AppliesUpdateAtStep(this CdpSchedule schedule, int step, int worker, int stage) =>
        schedule.ReferenceAppliedGradientStep(step, worker, stage) is not null;
}
