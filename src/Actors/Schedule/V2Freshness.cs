namespace CyclicActors.Actors.Schedule;

/// <summary>
/// CDP-v2's fresh set (cdp-method.md §3.3): a fresh (worker, stage) pair uses θ_k^j at step k, a
/// stale one θ_{k−1}^j. The two rules agree when N = L and differ otherwise (N = 8, L = 4: 16 vs 26
/// fresh pairs of 32).
/// </summary>
public static class V2Freshness
{
    /// <param name="worker">0-based rank i.</param>
    /// <param name="stage">1-based stage j.</param>
    public static bool IsFresh(V2FreshnessRule rule, int workers, int stages, int worker, int stage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(worker);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(worker, workers);
        ArgumentOutOfRangeException.ThrowIfLessThan(stage, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stage, stages);
        return rule switch
        {
            V2FreshnessRule.Schedule => IsFreshBySchedule(workers, stages, worker, stage),
            // The code's 0-based l = j − 1: fresh ⇔ l ≥ L − 1 − rank.
            V2FreshnessRule.PaperCode => stage - 1 >= stages - 1 - worker,
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown v2 freshness rule."),
        };
    }

    /// <summary>
    /// F_j of step k (tick 2Lk + iδ + j − 1) comes after the last B_j of step k − 1 (tick
    /// 2L(k−1) + (N−1)δ + 2L − j) ⇔ iδ + 2j − 1 &gt; (N−1)δ, assuming reduction takes no time.
    /// </summary>
    private static bool IsFreshBySchedule(int workers, int stages, int worker, int stage)
    {
        if (2 * stages % workers != 0)
        {
            throw new ArgumentException(
                $"The schedule freshness rule needs N | 2L; N = {workers}, L = {stages}.", nameof(workers));
        }

        var delay = 2 * stages / workers;
        return (worker * delay) + (2 * stage) - 1 > (workers - 1) * delay;
    }
}
