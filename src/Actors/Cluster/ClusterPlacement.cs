using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Where each worker and reducer runs: workers where their member was admitted; stage reducers
/// spread round-robin over the members in admission order, so each member holds the master
/// parameters and optimizer state of about L/M stages. Any placement gives the same arithmetic
/// (reducers fold in rank order); this one spreads the memory and the reduction traffic.
/// </summary>
public static class ClusterPlacement
{
    public static NodePlanned Plan(IReadOnlyList<(string Node, int[] Ranks)> admitted, int workers, int stages)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        if (admitted.Count == 0)
        {
            throw new ArgumentException("A plan needs at least one admitted member.", nameof(admitted));
        }

        var rankOwners = Enumerable.Repeat(-1, workers).ToArray();
        for (var node = 0; node < admitted.Count; node++)
        {
            foreach (var rank in admitted[node].Ranks)
            {
                if (rank < 0 || rank >= workers || rankOwners[rank] != -1)
                {
                    throw new ArgumentException($"Rank {rank} of {admitted[node].Node} is outside 0..{workers - 1} or taken twice.", nameof(admitted));
                }

                rankOwners[rank] = node;
            }
        }

        var missing = Array.IndexOf(rankOwners, -1);
        if (missing >= 0)
        {
            throw new ArgumentException($"Rank {missing} has no member.", nameof(admitted));
        }

        var stageOwners = Enumerable.Range(0, stages).Select(stage => stage % admitted.Count).ToArray();
        return new NodePlanned(admitted.Select(member => member.Node).ToArray(), rankOwners, stageOwners);
    }
}
