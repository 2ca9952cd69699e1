using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// A member lost at a chosen moment (fault injection's pulled cable on that member): during a
/// forward, during a backward whose gradient goes to a reducer, and while the member's own reducer
/// is in the middle of a reduction, about to publish (so the lost member holds a reducer: its
/// master parameters and momentum come back from the seed's cut). And a lost message: every member
/// stays, the stall timeout re-forms the run. Each run completes bitwise as the failure-free run.
/// </summary>
public sealed class MemberLossMomentsSpec : MemberLossSpecBase
{
    /// <summary>mlp has L = 4 stages, so ops 0..3 are forwards and 4..7 backwards.</summary>
    [Theory]
    [InlineData("cut-links-at-step = 9, at-op = 1")]
    [InlineData("cut-links-at-step = 9, at-op = 6")]
    [InlineData("cut-links-at-publication = 10")]
    public async Task A_member_lost_at_that_moment_is_replaced_and_the_run_ends_bitwise_as_the_failure_free_run(string fault)
    {
        var (options, data, initial) = Setup();
        var expected = ActorTrainer.Run(options, data, initial);
        var (seed, seedAddress) = StartSeed("cyclic-actors.cluster.replace-timeout = 60s");
        var survivor = StartMembers(seedAddress, 1);
        var lost = StartMembers(seedAddress, 1, $"cyclic-actors.fault-injection {{ {fault} }}");
        var reformed = new TaskCompletionSource<RunReformed>(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = ClusterRun.SeedAsync(seed, options, data, initial, onReformed: reformed.SetResult);
        var reform = await reformed.Task.WaitAsync(Limit);
        var replacement = StartMembers(seedAddress, 1)[0];
        var result = await run.WaitAsync(Limit);

        Assert.InRange(reform.Step, 0, 10);
        Assert.Equal(2, result.Rounds);
        TrainingFixtures.AssertBitwiseEqual(expected.Outcome, result.Training.Outcome);
        Assert.Equal((0L, 0L), (result.Training.Contributions.Lost, result.Training.Contributions.RefusedTwice));
        Assert.False((await lost[0].Part.WaitAsync(Limit)).Succeeded);
        Assert.True((await survivor[0].Part.WaitAsync(Limit)).Succeeded);
        Assert.True((await replacement.Part.WaitAsync(Limit)).Succeeded);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("gradient")]
    public async Task A_lost_message_stalls_the_round_and_the_run_re_forms_with_every_member_and_ends_bitwise(string kind)
    {
        var (options, data, initial) = Setup();
        var expected = ActorTrainer.Run(options, data, initial);
        var (seed, seedAddress) = StartSeed("cyclic-actors.stall-timeout = 3s");
        var members = StartMembers(seedAddress, 1);
        var dropping = StartMembers(seedAddress, 1, $"cyclic-actors.fault-injection {{ drop-at-step = 9, message = {kind} }}");
        var reformed = new TaskCompletionSource<RunReformed>(TaskCreationOptions.RunContinuationsAsynchronously);

        var result = await ClusterRun.SeedAsync(seed, options, data, initial, onReformed: reformed.SetResult).WaitAsync(Limit);

        var reform = await reformed.Task;
        Assert.Contains("stalled", reform.Reason, StringComparison.Ordinal);
        Assert.Equal(2, result.Rounds);
        TrainingFixtures.AssertBitwiseEqual(expected.Outcome, result.Training.Outcome);
        Assert.True((await members[0].Part.WaitAsync(Limit)).Succeeded);
        Assert.True((await dropping[0].Part.WaitAsync(Limit)).Succeeded);
    }
}
