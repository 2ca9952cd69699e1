using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Which world size an elastic start (<c>--workers N --min-workers M</c>, like torchrun's
/// <c>--nnodes MIN:MAX</c>) begins with when the join timeout expires before all N ranks are
/// admitted: the largest admitted count the update rule accepts, and never fewer than M.
/// </summary>
public static class ElasticStart
{
    /// <summary>
    /// The world sizes <paramref name="rule"/> accepts for <paramref name="stages"/> stages: null for
    /// DP (any N), the divisors of 2L for the CDP rules (the schedule's own rule, <see cref="CdpSchedule.ValidWorkerCounts"/>).
    /// </summary>
    public static IReadOnlyList<int>? ValidWorldSizes(UpdateRule rule, int stages) =>
        rule == UpdateRule.Dp ? null : CdpSchedule.ValidWorkerCounts(stages);

    /// <summary>
    /// The largest n with <paramref name="minWorkers"/> ≤ n ≤ min(<paramref name="admitted"/>, <paramref name="wanted"/>)
    /// that <paramref name="validWorldSizes"/> holds (null: every n); null when there is none.
    /// </summary>
    public static int? WorldSize(int wanted, int minWorkers, int admitted, IReadOnlyList<int>? validWorldSizes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minWorkers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minWorkers, wanted);
        for (var n = Math.Min(admitted, wanted); n >= minWorkers; n--)
        {
            if (validWorldSizes is null || validWorldSizes.Contains(n))
            {
                return n;
            }
        }

        return null;
    }
}
