using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// A NaN gradient on a member (fault injection's bad batch at step 9) in a cluster run: with
/// --on-nonfinite skip the seed re-forms from the cut before it with step 9 skipped by every stage
/// (bitwise the run told to skip it); without, the run ends naming the step instead of re-forming.
/// </summary>
public sealed class NonFiniteClusterSpec : MemberLossSpecBase
{
    private const string BadBatch = "cyclic-actors.fault-injection.nan-gradient-at-step = 9";

    [Fact]
    public async Task With_skip_the_run_re_forms_without_the_bad_step_and_ends_bitwise_as_the_run_that_skips_it()
    {
        var (options, data, initial) = Setup();
        var expected = ActorTrainer.Run(options with { SkippedSteps = new HashSet<int> { 9 } }, data, initial);
        var (seed, seedAddress) = StartSeed();
        var members = StartMembers(seedAddress, 1);
        var bad = StartMembers(seedAddress, 1, BadBatch);

        var result = await ClusterRun.SeedAsync(seed, options with { OnNonFinite = NonFiniteAction.Skip }, data, initial).WaitAsync(Limit);

        Assert.Equal([9], result.Training.SkippedSteps);
        Assert.Equal(2, result.Rounds);
        TrainingFixtures.AssertBitwiseEqual(expected.Outcome, result.Training.Outcome);
        Assert.True((await members[0].Part.WaitAsync(Limit)).Succeeded);
        Assert.True((await bad[0].Part.WaitAsync(Limit)).Succeeded);
    }

    [Fact]
    public async Task Without_skip_the_run_ends_naming_the_step_and_does_not_re_form()
    {
        var (options, data, initial) = Setup();
        var (seed, seedAddress) = StartSeed();
        StartMembers(seedAddress, 1);
        StartMembers(seedAddress, 1, BadBatch);
        var reformed = false;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterRun.SeedAsync(seed, options, data, initial, onReformed: _ => reformed = true).WaitAsync(Limit));

        Assert.Contains("at step 9", error.Message, StringComparison.Ordinal);
        Assert.False(reformed);
    }
}
