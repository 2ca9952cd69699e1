using CyclicActors.Actors.Planning;
using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// A member lost in the middle of a run (cut off from everyone, as a crashed machine or a pulled
/// cable is) under on-member-loss = fail: Akka.Cluster's failure detector and split-brain resolver
/// remove it, the seed ends the run with an error naming it, and the surviving member is told and
/// ends too; nobody hangs.
/// </summary>
public sealed class LostMemberSpec : InProcessClusterSpec
{
    // Quick detection for the test; the shipped defaults (10 s pause, 15 s stable-after) are for busy machines.
    protected override string NodeHocon => """
        akka.loglevel = ERROR
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
        akka.cluster.failure-detector.heartbeat-interval = 500ms
        akka.cluster.split-brain-resolver.stable-after = 3s
        cyclic-actors.cluster.on-member-loss = fail
        """;

    [Fact]
    public async Task A_member_cut_off_mid_run_ends_the_run_with_an_error_naming_it_on_the_seed_and_the_survivor()
    {
        var config = TrainingFixtures.Config("mlp", workers: 4, steps: 100_000) with { Epochs = 100_000 };
        var data = TrainingFixtures.SyntheticFor("mlp", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2 };

        var (seed, seedAddress) = StartSeed();
        var members = new[] { Start("worker"), Start("worker") };
        var parts = members.Select(member =>
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("mlp", 64));
        }).ToArray();

        var stepsSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ClusterRun.SeedAsync(seed, options, data, initial, metrics =>
        {
            if (metrics.Step >= 3)
            {
                stepsSeen.TrySetResult();
            }
        });
        await stepsSeen.Task.WaitAsync(Limit);

        // Cut the second member off from the seed and from the other member, both ways.
        var lost = Akka.Cluster.Cluster.Get(members[1]).SelfAddress;
        foreach (var survivor in new[] { seed, members[0] })
        {
            var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)survivor).Provider).Transport;
            Assert.True(await transport.ManagementCommand(new SetThrottle(lost, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(Limit));
        Assert.Contains(lost.ToString(), error.Message);
        var survivorOutcome = await parts[0].WaitAsync(Limit);
        Assert.False(survivorOutcome.Succeeded);
        Assert.Contains(lost.ToString(), survivorOutcome.Message);
        // The cut-off member ends too: told that the coordinator left, or downed by its own side
        // of the split-brain resolver, whichever comes first.
        var lostOutcome = await parts[1].WaitAsync(Limit);
        Assert.False(lostOutcome.Succeeded);
        Assert.True(lostOutcome.Message.Contains("left the cluster", StringComparison.Ordinal) || lostOutcome.Message.Contains("stopped before the run ended", StringComparison.Ordinal), lostOutcome.Message);
    }

}
