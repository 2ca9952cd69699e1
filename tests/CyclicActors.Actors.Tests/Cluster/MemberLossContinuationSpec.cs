using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// A member cut off mid-run under on-member-loss = continue (the default): the seed rolls the
/// survivors back to its newest cut and re-forms the run, with a replacement (bitwise the
/// failure-free run) or, after replace-timeout, with fewer workers (bitwise a resume of that cut
/// with that many workers). No process restarts.
/// </summary>
public sealed class MemberLossContinuationSpec : MemberLossSpecBase
{
    [Fact]
    public async Task A_replacement_takes_the_lost_ranks_and_the_run_ends_bitwise_as_the_failure_free_run()
    {
        var (options, data, initial) = Setup();
        var expected = ActorTrainer.Run(options, data, initial);

        var (seed, seedAddress) = StartSeed("cyclic-actors.cluster.replace-timeout = 60s");
        var members = StartMembers(seedAddress, 2);
        var reformed = new TaskCompletionSource<RunReformed>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stepsSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cutKept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The seed must hold a cut past step 0 for the roll-back to land on one: on a loaded machine the
        // reducers' cuts can reach it several steps after the steps they cut (CI saw a re-formation at 0).
        var run = ClusterRun.SeedAsync(seed, options with { OnCut = cut => { if (cut.Step >= 4) { cutKept.TrySetResult(); } } }, data, initial, metrics =>
        {
            if (metrics.Step >= 10)
            {
                stepsSeen.TrySetResult();
            }
        }, onReformed: reformed.SetResult);
        await Task.WhenAll(stepsSeen.Task, cutKept.Task).WaitAsync(Limit);
        await CutOff(members[1].System, seed, members[0].System);

        var reform = await reformed.Task.WaitAsync(Limit);
        Assert.Equal(1, reform.Round);
        Assert.InRange(reform.Step, 4, Steps - 1);
        var replacement = StartMembers(seedAddress, 1)[0];
        var result = await run.WaitAsync(Limit);

        Assert.Equal(2, result.Rounds);
        TrainingFixtures.AssertBitwiseEqual(expected.Outcome, result.Training.Outcome);
        // The reducers' own counts over the last round: every contribution of its steps folded once.
        var counts = result.Training.Contributions;
        Assert.Equal((long)(Steps - reform.Step) * 4 * result.Plan.StageOwners.Length, counts.Expected);
        Assert.Equal((0L, 0L), (counts.Lost, counts.RefusedTwice));
        Assert.True((await members[0].Part.WaitAsync(Limit)).Succeeded);
        Assert.True((await replacement.Part.WaitAsync(Limit)).Succeeded);
        // The 2|1 partition's minority side stops by itself, saying why.
        var cutOff = await members[1].Part.WaitAsync(Limit);
        Assert.False(cutOff.Succeeded);
        Assert.True(cutOff.Message.Contains("left the cluster", StringComparison.Ordinal) || cutOff.Message.Contains("stopped before the run ended", StringComparison.Ordinal), cutOff.Message);
    }

    [Fact]
    public async Task Two_losses_in_a_row_re_form_twice_and_the_run_still_ends_bitwise_as_the_failure_free_run()
    {
        var (options, data, initial) = Setup();
        var expected = ActorTrainer.Run(options, data, initial);

        var (seed, seedAddress) = StartSeed("cyclic-actors.cluster.replace-timeout = 60s");
        var members = StartMembers(seedAddress, 2);
        var reforms = new[] { new TaskCompletionSource<RunReformed>(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource<RunReformed>(TaskCreationOptions.RunContinuationsAsynchronously) };
        var progress = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var round = 0;
        var firstCut = -1;
        var run = ClusterRun.SeedAsync(seed, options, data, initial, metrics =>
        {
            // Ten steps into the first round, and five into the second (its steps start at its cut).
            var current = Volatile.Read(ref round);
            if (current < 2 && metrics.Step >= (current == 0 ? 10 : Volatile.Read(ref firstCut) + 5))
            {
                progress[current].TrySetResult();
            }
        }, onReformed: reformed =>
        {
            if (reformed.Round == 1)
            {
                Volatile.Write(ref firstCut, reformed.Step);
            }

            Volatile.Write(ref round, reformed.Round);
            reforms[reformed.Round - 1].SetResult(reformed);
        });
        await progress[0].Task.WaitAsync(Limit);
        await CutOff(members[1].System, seed, members[0].System);
        await reforms[0].Task.WaitAsync(Limit);
        var first = StartMembers(seedAddress, 1)[0];
        await progress[1].Task.WaitAsync(Limit);
        await CutOff(first.System, seed, members[0].System);
        var second = await reforms[1].Task.WaitAsync(Limit);
        var firstReform = await reforms[0].Task;
        Assert.True(second.Step >= firstReform.Step, $"the second re-formation rolled back to {second.Step}, before the first's {firstReform.Step}");
        var replacement = StartMembers(seedAddress, 1)[0];

        var result = await run.WaitAsync(Limit);

        Assert.Equal(3, result.Rounds);
        TrainingFixtures.AssertBitwiseEqual(expected.Outcome, result.Training.Outcome);
        Assert.True((await replacement.Part.WaitAsync(Limit)).Succeeded);
    }

    /// <summary>The loss here is fault injection's pulled cable: the second member cuts its own links before F3 of step 13.</summary>
    [Fact]
    public async Task Without_a_replacement_the_run_shrinks_and_ends_bitwise_as_a_resume_of_the_cut_with_fewer_workers()
    {
        var (options, data, initial) = Setup();
        var cuts = new List<TrainingCut>();
        var (seed, seedAddress) = StartSeed("""
            cyclic-actors.cluster.replace-timeout = 2s
            cyclic-actors.cluster.min-workers = 2
            """);
        var members = StartMembers(seedAddress, 1);
        var cutting = StartMembers(seedAddress, 1, "cyclic-actors.fault-injection { cut-links-at-step = 13, at-op = 2 }");
        var reformed = new TaskCompletionSource<RunReformed>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ClusterRun.SeedAsync(seed, options with { OnCut = cut => { lock (cuts) { cuts.Add(cut); } } }, data, initial, onReformed: reformed.SetResult);

        var result = await run.WaitAsync(Limit);
        var reform = await reformed.Task;
        Assert.InRange(reform.Step, 4, 13);
        Assert.False((await cutting[0].Part.WaitAsync(Limit)).Succeeded);

        Assert.Equal(2, result.Workers);
        TrainingCut cut;
        lock (cuts)
        {
            cut = cuts.First(c => c.Step == reform.Step && c.Workers == 4);
        }

        var shrunk = options with { Training = options.Training with { Workers = 2 }, Resume = cut.ForWorkers(2) };
        var expected = ActorTrainer.Run(shrunk, data, initial);
        TrainingFixtures.AssertBitwiseEqual(expected.Outcome, result.Training.Outcome);
        Assert.True((await members[0].Part.WaitAsync(Limit)).Succeeded);
    }
}
