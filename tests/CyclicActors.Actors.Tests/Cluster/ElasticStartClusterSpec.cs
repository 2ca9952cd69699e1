using CyclicActors.Actors.Planning;
using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// An elastic start in one process: --workers 4 --min-workers 2 under CDP-v2 with L = 4 (valid N:
/// 1, 2, 4, 8). Members with 2 and 1 workers join; at the join timeout 3 ranks are admitted, so the
/// seed starts with N' = 2: the member left without ranks is told it is not needed (and succeeds),
/// the other rebuilds its plan for N' = 2, and the result is bitwise the one-process run with 2
/// workers, including its steps per epoch.
/// </summary>
public sealed class ElasticStartClusterSpec : InProcessClusterSpec
{
    [Fact]
    public async Task After_the_join_timeout_the_seed_starts_with_the_largest_valid_count_and_equals_the_one_process_run()
    {
        // One epoch of 32 samples in micro-batches of 4: 2 steps with N = 4, 4 steps with N' = 2.
        var config = TrainingFixtures.Config("cnn", workers: 4, steps: 0) with { Epochs = 1 };
        var data = TrainingFixtures.SyntheticFor("cnn", 32);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2 };
        var expected = ActorTrainer.Run(options with { Training = config with { Workers = 2 } }, data, initial).Outcome;
        Assert.Equal(4, expected.Steps);

        var (seed, seedAddress) = StartSeed("cyclic-actors.cluster.join-timeout = 10s\ncyclic-actors.cluster.min-workers = 2");
        var training = ClusterRun.SeedAsync(seed, options, data, initial);
        var members = new[] { Start("worker"), Start("worker") };
        var admitted = new[] { NewSignal(), NewSignal() };
        var parts = new Task<MemberOutcome>[2];
        for (var i = 0; i < 2; i++)
        {
            Akka.Cluster.Cluster.Get(members[i]).Join(seedAddress);
            var signal = admitted[i];
            parts[i] = ClusterRun.MemberAsync(members[i], workers: 2 - i, () => TrainingFixtures.SyntheticFor("cnn", 32), onAdmitted: ranks => signal.TrySetResult(ranks));
            await signal.Task.WaitAsync(Limit); // in order, so the first member gets ranks 0-1
        }

        var run = await training.WaitAsync(Limit);

        TrainingFixtures.AssertBitwiseEqual(expected, run.Training.Outcome);
        Assert.Equal(2, run.Workers);
        Assert.Equal([Akka.Cluster.Cluster.Get(members[0]).SelfAddress.ToString()], run.Plan.Nodes);
        var kept = await parts[0].WaitAsync(Limit);
        Assert.True(kept.Succeeded, kept.Message);
        var dropped = await parts[1].WaitAsync(Limit);
        Assert.True(dropped.Succeeded, dropped.Message);
        Assert.StartsWith("not needed: training started with 2 of 4 workers", dropped.Message);
    }

    [Fact]
    public async Task Min_workers_above_the_workers_wanted_fails_before_admission_naming_both()
    {
        var config = TrainingFixtures.Config("cnn", workers: 2, steps: 1);
        var data = TrainingFixtures.SyntheticFor("cnn", 32);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var seed = Start(CoordinatorSingleton.Role, "cyclic-actors.cluster.min-workers = 3");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => ClusterRun.SeedAsync(seed, new ActorTrainingOptions { Training = config }, data, initial));
        Assert.Equal("min-workers 3 (--min-workers or cyclic-actors.cluster.min-workers) is more than the 2 workers wanted (--workers).", error.Message);
    }

    private static TaskCompletionSource<int[]> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

}
