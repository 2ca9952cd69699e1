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
}
