using CyclicActors.Actors.Cluster;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class ClusterPlacementTests
{
    private static AdmittedNode Worker(string node, params int[] ranks) => new(node, ranks, ["worker"]);

    private static AdmittedNode Reducer(string node, params int[] ranks) => new(node, ranks, ["worker", ClusterPlacement.ReducerRole]);

    [Fact]
    public void Without_reducer_roles_stages_go_round_robin_over_every_member_in_admission_order()
    {
        var plan = ClusterPlacement.Plan([Worker("a", 0, 1), Worker("b", 2), Worker("c", 3)], workers: 4, stages: 5);
        Assert.Equal(["a", "b", "c"], plan.Nodes);
        Assert.Equal([0, 0, 1, 2], plan.RankOwners);
        Assert.Equal([0, 1, 2, 0, 1], plan.StageOwners);
    }

    [Fact]
    public void With_reducer_roles_stages_go_round_robin_over_those_members_only()
    {
        var plan = ClusterPlacement.Plan([Worker("a", 0, 1), Reducer("r1"), Worker("b", 2, 3), Reducer("r2")], workers: 4, stages: 5);
        Assert.Equal([0, 0, 2, 2], plan.RankOwners);
        Assert.Equal([1, 3, 1, 3, 1], plan.StageOwners);
    }

    [Fact]
    public void A_reducer_member_with_workers_holds_its_workers_and_every_stage()
    {
        var plan = ClusterPlacement.Plan([Worker("a", 0, 1), Reducer("r", 2, 3)], workers: 4, stages: 3);
        Assert.Equal([0, 0, 1, 1], plan.RankOwners);
        Assert.Equal([1, 1, 1], plan.StageOwners);
    }

    [Fact]
    public void A_single_reducer_only_member_holds_every_stage()
    {
        var plan = ClusterPlacement.Plan([Reducer("r"), Worker("a", 0, 1)], workers: 2, stages: 4);
        Assert.Equal([1, 1], plan.RankOwners);
        Assert.Equal([0, 0, 0, 0], plan.StageOwners);
    }

    [Fact]
    public void More_reducer_members_than_stages_leave_the_last_ones_without_reducers()
    {
        var plan = ClusterPlacement.Plan([Worker("a", 0), Reducer("r1"), Reducer("r2"), Reducer("r3")], workers: 1, stages: 2);
        Assert.Equal([1, 2], plan.StageOwners);
        Assert.Equal("nothing", ClusterPlacement.Describe(plan, "r3"));
    }

    [Fact]
    public void A_member_without_workers_and_without_the_reducer_role_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterPlacement.Plan([Worker("a", 0), Worker("idle")], workers: 1, stages: 2));
        Assert.Contains("Member idle has no workers and not the 'reducer' role", error.Message);
    }

    [Theory]
    [InlineData(new[] { 0, 2 }, "Rank 2 of a is outside 0..1 or taken twice")]
    [InlineData(new[] { 0, 0 }, "Rank 0 of a is outside 0..1 or taken twice")]
    [InlineData(new[] { -1 }, "Rank -1 of a is outside 0..1 or taken twice")]
    [InlineData(new[] { 0 }, "Rank 1 has no member")]
    public void Ranks_outside_the_world_taken_twice_or_missing_are_refused(int[] ranks, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterPlacement.Plan([Worker("a", ranks)], workers: 2, stages: 1));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void An_empty_member_list_or_no_stages_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ClusterPlacement.Plan([], workers: 1, stages: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClusterPlacement.Plan([Worker("a", 0)], workers: 1, stages: 0));
    }

    [Fact]
    public void Each_member_part_is_described_for_the_report()
    {
        var plan = ClusterPlacement.Plan([Worker("a", 0, 1), Reducer("r"), Worker("b", 2, 3)], workers: 4, stages: 3);
        var (ranks, stages) = ClusterPlacement.PartOf(plan, "a");
        Assert.Equal([0, 1], ranks);
        Assert.Empty(stages);
        (ranks, stages) = ClusterPlacement.PartOf(plan, "r");
        Assert.Empty(ranks);
        Assert.Equal([0, 1, 2], stages);
        (ranks, stages) = ClusterPlacement.PartOf(plan, "not-in-plan");
        Assert.Empty(ranks);
        Assert.Empty(stages);
        Assert.Equal("ranks 0,1; no reducers", ClusterPlacement.Describe(plan, "a"));
        Assert.Equal("reducer-only: stages 0,1,2", ClusterPlacement.Describe(plan, "r"));
        var spread = ClusterPlacement.Plan([Worker("a", 0, 1), Worker("b", 2, 3)], workers: 4, stages: 3);
        Assert.Equal("ranks 2,3; reducers of stages 1", ClusterPlacement.Describe(spread, "b"));
    }

    [Fact]
    public void With_as_many_shards_as_holders_every_holder_runs_one_shard_of_every_stage()
    {
        var plan = ClusterPlacement.Plan([Worker("a", 0, 1), Worker("b", 2), Worker("c", 3)], workers: 4, stages: 4, reducerShards: 3);
        Assert.Equal(3, plan.ReducerShards);
        for (var stage = 0; stage < 4; stage++)
        {
            Assert.Equal([0, 1, 2], Enumerable.Range(0, 3).Select(shard => plan.OwnerOf(stage, shard)).Order());
            Assert.Equal(plan.StageOwners[stage], plan.OwnerOf(stage, 0));
        }

        Assert.Equal("ranks 3; reducer shards of stages 0,1,2,3", ClusterPlacement.Describe(plan, "c"));
    }

    [Fact]
    public void Shards_go_to_reducer_holders_only_and_one_shard_keeps_the_unsharded_plan()
    {
        var plan = ClusterPlacement.Plan([Worker("a", 0, 1), Reducer("r1"), Worker("b", 2, 3), Reducer("r2")], workers: 4, stages: 3, reducerShards: 2);
        Assert.All(Enumerable.Range(0, 3), stage => Assert.Equal([1, 3], Enumerable.Range(0, 2).Select(shard => plan.OwnerOf(stage, shard)).Order()));
        var one = ClusterPlacement.Plan([Worker("a", 0, 1), Worker("b", 2, 3)], workers: 4, stages: 3, reducerShards: 1);
        Assert.Empty(one.ShardOwners);
        Assert.Equal(1, one.ReducerShards);
        Assert.Equal(one.StageOwners, Enumerable.Range(0, 3).Select(stage => one.OwnerOf(stage, 0)));
    }
}
