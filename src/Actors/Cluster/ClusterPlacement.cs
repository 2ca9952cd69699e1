using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Where each worker and reducer runs: workers where their member was admitted; stage reducers
/// spread round-robin, in admission order, over the members with the <see cref="ReducerRole"/>
/// role when there are any (a reducer-only member offers no workers), else over all members, so
/// each holds the master parameters and optimizer state of about L/M stages. Any placement gives
/// the same arithmetic (reducers fold in rank order); this one spreads the memory and the
/// reduction traffic, or keeps it off the worker machines when asked to.
/// </summary>
public static class ClusterPlacement
{
    /// <summary>The cluster role (<c>--roles reducer</c>) of members that hold the stage reducers.</summary>
    public const string ReducerRole = "reducer";

    /// <summary>Whether a member with <paramref name="roles"/> asked to hold stage reducers.</summary>
    public static bool HoldsReducers(IReadOnlyList<string>? roles) => roles is not null && roles.Contains(ReducerRole, StringComparer.Ordinal);

    /// <param name="deviceOfStage">
    /// The model placement (null in the others): stage s's device; device d runs on the member of rank
    /// d mod N, and its stages' masters with it, so stage s's owner is that member.
    /// </param>
    /// <param name="reducerShards">
    /// Shards per stage reducer (data placement): shard k of stage s runs on holder (s + k) mod H, so with
    /// S = H shards every holder runs one shard of every stage and sends and receives an equal share.
    /// </param>
    public static NodePlanned Plan(IReadOnlyList<AdmittedNode> members, int workers, int stages, Func<int, int>? deviceOfStage = null, int reducerShards = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reducerShards, 1);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        if (members.Count == 0)
        {
            throw new ArgumentException("A plan needs at least one admitted member.", nameof(members));
        }

        var rankOwners = Enumerable.Repeat(-1, workers).ToArray();
        for (var node = 0; node < members.Count; node++)
        {
            var member = members[node];
            if (member.Ranks.Length == 0 && !member.IsReducerHolder)
            {
                throw new ArgumentException($"Member {member.Node} has no workers and not the '{ReducerRole}' role: it would hold nothing.", nameof(members));
            }

            foreach (var rank in member.Ranks)
            {
                if (rank < 0 || rank >= workers || rankOwners[rank] != -1)
                {
                    throw new ArgumentException($"Rank {rank} of {member.Node} is outside 0..{workers - 1} or taken twice.", nameof(members));
                }

                rankOwners[rank] = node;
            }
        }

        var missing = Array.IndexOf(rankOwners, -1);
        if (missing >= 0)
        {
            throw new ArgumentException($"Rank {missing} has no member.", nameof(members));
        }

        var holders = Enumerable.Range(0, members.Count).Where(node => members[node].IsReducerHolder).ToArray();
        if (holders.Length == 0)
        {
            holders = Enumerable.Range(0, members.Count).ToArray();
        }

        var stageOwners = deviceOfStage is null
            ? Enumerable.Range(0, stages).Select(stage => holders[stage % holders.Length]).ToArray()
            : Enumerable.Range(0, stages).Select(stage => rankOwners[deviceOfStage(stage) % workers]).ToArray();
        int[] shardOwners = reducerShards == 1 || deviceOfStage is not null
            ? []
            : [.. from stage in Enumerable.Range(0, stages) from shard in Enumerable.Range(0, reducerShards) select holders[(stage + shard) % holders.Length]];
        return new NodePlanned(members.Select(member => member.Node).ToArray(), rankOwners, stageOwners) { ShardOwners = shardOwners };
    }

    /// <summary>The ranks and stage reducers <paramref name="node"/> ran in <paramref name="plan"/> (both empty when it is not in it).</summary>
    public static (int[] Ranks, int[] Stages) PartOf(NodePlanned plan, string node)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var index = Array.IndexOf(plan.Nodes, node);
        int[] Owned(int[] owners) => Enumerable.Range(0, owners.Length).Where(i => index >= 0 && owners[i] == index).ToArray();
        int[] stages = [.. Enumerable.Range(0, plan.StageOwners.Length).Where(stage => index >= 0 && Enumerable.Range(0, plan.ReducerShards).Any(shard => plan.OwnerOf(stage, shard) == index))];
        return (Owned(plan.RankOwners), stages);
    }

    /// <summary>What <paramref name="node"/> ran, for the seed's report: "ranks 0,1; reducers of stages 2,3", "reducer-only: stages 0,1".</summary>
    public static string Describe(NodePlanned plan, string node)
    {
        var (ranks, stages) = PartOf(plan, node);
        var reducers = stages.Length == 0 ? "no reducers" : (plan.ReducerShards == 1 ? "reducers" : "reducer shards") + " of stages " + string.Join(",", stages);
        return ranks.Length == 0
            ? (stages.Length == 0 ? "nothing" : "reducer-only: stages " + string.Join(",", stages))
            : $"ranks {string.Join(",", ranks)}; {reducers}";
    }
}
