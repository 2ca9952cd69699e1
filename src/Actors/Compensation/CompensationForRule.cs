using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Compensation;

/// <summary>Which delay compensation a run of an update rule really uses.</summary>
public static class CompensationForRule
{
    /// <summary>
    /// <paramref name="requested"/> for the CDP rules; none for DP, whose ops all use fresh parameters,
    /// so it has no stale op to compensate. A caller that must not drop a request silently compares
    /// the result with what was asked.
    /// </summary>
    public static DelayCompensation Effective(UpdateRule rule, DelayCompensation requested) =>
        rule == UpdateRule.Dp ? DelayCompensation.None : requested;

    /// <summary>
    /// Whether <paramref name="worker"/>'s op of <paramref name="stage"/> (1-based) at
    /// <paramref name="step"/> runs at the look-ahead point: look-ahead asked, past step 0 (which
    /// reads θ_0 alike everywhere), and a version older than the current one read (never under DP; under
    /// CDP-v2 not where the worker is fresh).
    /// </summary>
    public static bool UsesLookahead(CdpSchedule schedule, DelayCompensation compensation, int worker, int stage, int step)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return compensation == DelayCompensation.Lookahead && step >= 1 && !schedule.IsFresh(worker, stage);
    }
}
