using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Reduce;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class ReducerShardsTests
{
    [Fact]
    public void Shard_ranges_tile_the_stage_in_order_and_differ_by_at_most_one_value()
    {
        foreach (var length in new[] { 0, 1, 2, 7, 10, 64, 1000, 205_000 })
        {
            for (var shards = 1; shards <= 9; shards++)
            {
                var ranges = Enumerable.Range(0, shards).Select(shard => ReducerShards.Range(length, shards, shard)).ToArray();
                var next = 0;
                foreach (var (offset, size) in ranges)
                {
                    Assert.Equal(next, offset);
                    next += size;
                }

                Assert.Equal(length, next);
                Assert.True(ranges.Max(range => range.Length) - ranges.Min(range => range.Length) <= 1, $"{length} over {shards}");
            }
        }
    }

    [Fact]
    public void Slicing_then_joining_gives_the_stage_back()
    {
        var stage = Enumerable.Range(0, 11).Select(i => i * 0.5f).ToArray();
        var slices = Enumerable.Range(0, 4).Select(shard => ReducerShards.Slice(stage, 4, shard)).ToArray();
        Assert.Equal([3, 3, 3, 2], slices.Select(slice => slice.Length));
        Assert.Equal(stage, ReducerShards.Join(slices, stage.Length, "test"));
        Assert.Same(stage, ReducerShards.Slice(stage, 1, 0));
    }

    [Fact]
    public void A_slice_of_the_wrong_length_is_refused_by_name()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ReducerShards.Join([new float[3], new float[3]], 7, "stage 2"));
        Assert.Contains("stage 2: shard 0 of 2 holds 3 values; its range is 4", error.Message);
    }

    [Fact]
    public void The_wire_stage_slot_is_the_stage_for_shard_zero_and_round_trips()
    {
        Assert.Equal(5, ReducerShards.WireStage(5, 0));
        foreach (var (stage, shard) in new[] { (0, 0), (3, 1), (65_535, 16_383), (7, 9) })
        {
            Assert.Equal((stage, shard), ReducerShards.FromWire(ReducerShards.WireStage(stage, shard)));
        }

        Assert.Equal(-1, ReducerShards.FromWire(-4).Stage);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReducerShards.WireStage(ReducerShards.MaxStages, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReducerShards.WireStage(0, ReducerShards.MaxShards));
    }

    [Fact]
    public void A_version_is_whole_once_every_shard_slice_arrived_in_any_order()
    {
        var assembly = new ShardAssembly([5, 0], shards: 3);
        var parameters = new[] { 1f, 2f, 3f, 4f, 5f };
        var momentum = new[] { -1f, -2f, -3f, -4f, -5f };
        ParametersPublished Slice(int shard) =>
            new(0, 7, ReducerShards.Slice(parameters, 3, shard), ReducerShards.Slice(momentum, 3, shard)) { Shard = shard };

        Assert.Null(assembly.Accept(Slice(2)));
        Assert.Null(assembly.Accept(Slice(0)));
        Assert.Equal(1, assembly.PendingPublications);
        var whole = assembly.Accept(Slice(1));
        Assert.NotNull(whole);
        Assert.Equal((0, 7, 0), (whole.Stage, whole.Version, whole.Shard));
        Assert.Equal(parameters, whole.Parameters);
        Assert.Equal(momentum, whole.Momentum);
        Assert.Equal(0, assembly.PendingPublications);

        // A stage without parameters publishes empty slices from every shard.
        for (var shard = 0; shard < 2; shard++)
        {
            Assert.Null(assembly.Accept(new ParametersPublished(1, 0, [], []) { Shard = shard }));
        }

        Assert.Empty(assembly.Accept(new ParametersPublished(1, 0, [], []) { Shard = 2 })!.Parameters);
    }

    [Fact]
    public void Versions_of_one_stage_gather_apart()
    {
        var assembly = new ShardAssembly([4], shards: 2);
        Assert.Null(assembly.Accept(new ParametersPublished(0, 1, [1f, 1f], []) { Shard = 0 }));
        Assert.Null(assembly.Accept(new ParametersPublished(0, 2, [2f, 2f], []) { Shard = 1 }));
        Assert.Equal([2f, 2f, 2f, 2f], assembly.Accept(new ParametersPublished(0, 2, [2f, 2f], []) { Shard = 0 })!.Parameters);
        Assert.Equal([1f, 1f, 1f, 1f], assembly.Accept(new ParametersPublished(0, 1, [1f, 1f], []) { Shard = 1 })!.Parameters);
    }

    [Fact]
    public void Slices_that_cannot_belong_are_refused_and_what_was_gathered_is_kept()
    {
        var assembly = new ShardAssembly([4], shards: 2);
        Assert.Null(assembly.Accept(new ParametersPublished(0, 1, [1f, 2f], []) { Shard = 0 }));
        Assert.Contains("came twice from shard 0", Assert.Throws<InvalidOperationException>(() => assembly.Accept(new ParametersPublished(0, 1, [9f, 9f], []) { Shard = 0 })).Message);
        Assert.Contains("holds 3 parameters; that shard's range has 2", Assert.Throws<InvalidOperationException>(() => assembly.Accept(new ParametersPublished(0, 1, [1f, 2f, 3f], []) { Shard = 1 })).Message);
        Assert.Contains("the model has 1 stages and the run 2 shards", Assert.Throws<InvalidOperationException>(() => assembly.Accept(new ParametersPublished(0, 1, [1f, 2f], []) { Shard = 2 })).Message);
        Assert.Contains("the model has 1 stages", Assert.Throws<InvalidOperationException>(() => assembly.Accept(new ParametersPublished(3, 1, [1f, 2f], []) { Shard = 0 })).Message);
        Assert.Contains("momentum values", Assert.Throws<InvalidOperationException>(() => assembly.Accept(new ParametersPublished(0, 1, [1f, 2f], [1f]) { Shard = 1 })).Message);
        Assert.Equal([1f, 2f, 3f, 4f], assembly.Accept(new ParametersPublished(0, 1, [3f, 4f], []) { Shard = 1 })!.Parameters);
    }

    [Fact]
    public void A_slice_is_copied_from_the_callers_buffer_which_it_may_reuse_at_once()
    {
        // The inbox hands slices over in pooled receive buffers that go back to the pool right after.
        var assembly = new ShardAssembly([4], shards: 2);
        var buffer = new[] { 1f, 2f, -1f, -2f };
        Assert.Null(assembly.Accept(0, 0, 3, buffer.AsSpan(0, 2), buffer.AsSpan(2)));
        buffer.AsSpan().Fill(99f);
        var whole = assembly.Accept(0, 1, 3, [3f, 4f], [-3f, -4f]);
        Assert.Equal([1f, 2f, 3f, 4f], whole!.Parameters);
        Assert.Equal([-1f, -2f, -3f, -4f], whole.Momentum);
    }

    [Fact]
    public void A_slice_as_sent_is_split_into_parameters_then_momentum_and_refused_naming_why_when_it_cannot_belong()
    {
        var assembly = new ShardAssembly([4], shards: 2);
        Assert.Null(assembly.AcceptAsSent(0, 0, 1, [1f, 2f, -1f, -2f]));
        Assert.Contains("the run 2 shards", Assert.Throws<InvalidOperationException>(() => assembly.AcceptAsSent(0, 7, 1, [3f, 4f])).Message);
        Assert.Contains("holds 1 parameters; that shard's range has 2", Assert.Throws<InvalidOperationException>(() => assembly.AcceptAsSent(0, 1, 1, [3f])).Message);
        var whole = assembly.AcceptAsSent(0, 1, 1, [3f, 4f, -3f, -4f]);
        Assert.Equal([1f, 2f, 3f, 4f], whole!.Parameters);
        Assert.Equal([-1f, -2f, -3f, -4f], whole.Momentum);
    }

    [Fact]
    public void Momentum_is_kept_when_the_first_slice_is_an_empty_shard_and_must_be_carried_by_every_other()
    {
        // 2 parameters over 3 shards: shard 2's range is empty, so its slice says nothing about momentum.
        var assembly = new ShardAssembly([2], shards: 3);
        Assert.Null(assembly.Accept(new ParametersPublished(0, 5, [], []) { Shard = 2 }));
        Assert.Null(assembly.Accept(new ParametersPublished(0, 5, [1f], [0.5f]) { Shard = 0 }));
        Assert.Contains("lacks momentum, unlike the shards before it",
            Assert.Throws<InvalidOperationException>(() => assembly.Accept(new ParametersPublished(0, 5, [2f], []) { Shard = 1 })).Message);
        var whole = assembly.Accept(new ParametersPublished(0, 5, [2f], [0.25f]) { Shard = 1 });
        Assert.Equal([1f, 2f], whole!.Parameters);
        Assert.Equal([0.5f, 0.25f], whole.Momentum);

        Assert.Null(assembly.Accept(new ParametersPublished(0, 6, [1f], []) { Shard = 0 }));
        Assert.Contains("carries momentum, unlike the shards before it",
            Assert.Throws<InvalidOperationException>(() => assembly.Accept(new ParametersPublished(0, 6, [2f], [1f]) { Shard = 1 })).Message);
    }

    [Fact]
    public void A_final_state_joins_its_shards_and_counts_a_contribution_folded_when_every_shard_folded_it()
    {
        var assembly = new ShardAssembly([3], shards: 2);
        Assert.Null(assembly.Accept(new FinalStageState(0, 4, [1f, 2f], [0.1f, 0.2f], ContributionsFolded: 16, DuplicatesRefused: 0) { Shard = 0 }));
        var whole = assembly.Accept(new FinalStageState(0, 4, [3f], [0.3f], ContributionsFolded: 16, DuplicatesRefused: 1) { Shard = 1 });
        Assert.NotNull(whole);
        Assert.Equal([1f, 2f, 3f], whole.Parameters);
        Assert.Equal([0.1f, 0.2f, 0.3f], whole.Momentum);
        Assert.Equal((16L, 1L), (whole.ContributionsFolded, whole.DuplicatesRefused));

        Assert.Null(assembly.Accept(new FinalStageState(0, 4, [1f, 2f], [0f, 0f]) { Shard = 0 }));
        Assert.Contains("versions 4, 3", Assert.Throws<InvalidOperationException>(() => assembly.Accept(new FinalStageState(0, 3, [3f], [0f]) { Shard = 1 })).Message);
    }

    [Fact]
    public void A_cut_joins_every_part_of_its_shards_and_keeps_absent_parts_absent()
    {
        var assembly = new ShardAssembly([3], shards: 2);
        Assert.Null(assembly.Accept(new StageCut(0, 8, [1f, 2f], [4f, 5f], [], [], [[7f, 8f], [1f, 1f]]) { Shard = 0 }));
        var whole = assembly.Accept(new StageCut(0, 8, [3f], [6f], [], [], [[9f], [1f]]) { Shard = 1 });
        Assert.NotNull(whole);
        Assert.Equal((0, 8, 0), (whole.Stage, whole.Step, whole.Shard));
        Assert.Equal([1f, 2f, 3f], whole.Parameters);
        Assert.Equal([4f, 5f, 6f], whole.Momentum);
        Assert.Empty(whole.PreviousParameters);
        Assert.Empty(whole.PreviousMomentum);
        Assert.Equal([7f, 8f, 9f], whole.LastGradients[0]);
        Assert.Equal([1f, 1f, 1f], whole.LastGradients[1]);
    }
}
