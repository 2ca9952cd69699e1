using CyclicActors.Actors.Planning;
using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// A seed, a reducer-only member (role reducer, 0 workers) and a worker member as ActorSystems in
/// one process: every stage reducer runs on the reducer node, every worker on the other, and the
/// result is bitwise the one-process result.
/// </summary>
public sealed class ReducerNodeClusterSpec : InProcessClusterSpec
{
    [Fact]
    public async Task A_reducer_only_member_holds_every_stage_and_the_result_equals_the_one_process_run()
    {
        var (data, initial, options, expected) = TrainingFixtures.CnnCluster(workers: 2, UpdateRule.CdpV2);

        var (seed, seedAddress) = StartSeed();
        var training = ClusterRun.SeedAsync(seed, options, data, initial);

        // The seed starts once all worker ranks are taken, so the reducer node is admitted first.
        var reducerNode = Start(["worker", ClusterPlacement.ReducerRole]);
        Akka.Cluster.Cluster.Get(reducerNode).Join(seedAddress);
        var reducerAdmitted = new TaskCompletionSource<int[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reducerPart = ClusterRun.MemberAsync(reducerNode, workers: 0, () => TrainingFixtures.SyntheticFor("cnn", 64), onAdmitted: ranks => reducerAdmitted.TrySetResult(ranks));
        Assert.Empty(await reducerAdmitted.Task.WaitAsync(Limit));
        var workerNode = Start(["worker"]);
        Akka.Cluster.Cluster.Get(workerNode).Join(seedAddress);
        var workerPart = ClusterRun.MemberAsync(workerNode, workers: 2, () => TrainingFixtures.SyntheticFor("cnn", 64));

        var run = await training.WaitAsync(Limit);

        TrainingFixtures.AssertBitwiseEqual(expected, run.Training.Outcome);
        var reducerAddress = Akka.Cluster.Cluster.Get(reducerNode).SelfAddress.ToString();
        var workerAddress = Akka.Cluster.Cluster.Get(workerNode).SelfAddress.ToString();
        Assert.Equal([reducerAddress, workerAddress], run.Plan.Nodes);
        Assert.Equal([1, 1], run.Plan.RankOwners);
        Assert.Equal([0, 0, 0, 0], run.Plan.StageOwners);
        Assert.Equal("reducer-only: stages 0,1,2,3", ClusterPlacement.Describe(run.Plan, reducerAddress));

        // The reducers ran there: the reducer node published parameters to the workers and held no activations;
        // the worker node sent it the gradients.
        var reducerStats = Assert.Single(run.Nodes, node => node.Node == reducerAddress);
        Assert.Equal([workerAddress], reducerStats.Peers);
        Assert.True(reducerStats.BytesSent[0] > 0, "the reducer node sent no parameters");
        Assert.Equal(0, reducerStats.PeakActivationBytes);
        var workerStats = Assert.Single(run.Nodes, node => node.Node == workerAddress);
        Assert.Equal([reducerAddress], workerStats.Peers);
        Assert.True(workerStats.BytesSent[0] > 0, "the worker node sent no gradients");
        Assert.True(workerStats.PeakActivationBytes > 0);
        Assert.All(await Task.WhenAll(reducerPart, workerPart).WaitAsync(Limit), outcome => Assert.True(outcome.Succeeded, outcome.Message));
    }

    [Fact]
    public async Task A_member_offering_no_workers_without_the_reducer_role_is_refused()
    {
        var config = TrainingFixtures.Config("cnn", workers: 2, steps: 1);
        var data = TrainingFixtures.SyntheticFor("cnn", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var seed = Start([CoordinatorSingleton.Role], "cyclic-actors.cluster.join-timeout = 6s");
        var seedAddress = Akka.Cluster.Cluster.Get(seed).SelfAddress;
        Akka.Cluster.Cluster.Get(seed).Join(seedAddress);
        var member = Start(["worker"]);
        Akka.Cluster.Cluster.Get(member).Join(seedAddress);
        var part = ClusterRun.MemberAsync(member, workers: 0, () => TrainingFixtures.SyntheticFor("cnn", 64));

        var training = ClusterRun.SeedAsync(seed, new ActorTrainingOptions { Training = config }, data, initial);

        var refused = await part.WaitAsync(Limit);
        Assert.False(refused.Succeeded);
        Assert.Contains("refused by the coordinator: it offers 0 workers and does not have the 'reducer' role", refused.Message);
        await Assert.ThrowsAsync<TimeoutException>(() => training.WaitAsync(Limit));
    }

}
