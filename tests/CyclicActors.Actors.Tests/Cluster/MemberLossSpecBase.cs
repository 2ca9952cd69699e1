using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// What the member-loss specs share: a 60-step cdp-v2 look-ahead run with budget pacing, nodes with
/// a fast failure detector and the throttler adapter (to cut a node off as a pulled cable would),
/// members of two workers each.
/// </summary>
public abstract class MemberLossSpecBase : InProcessClusterSpec
{
    protected const int Steps = 60;

    protected override TimeSpan Limit => TimeSpan.FromSeconds(120);

    protected override string NodeHocon => """
        akka.loglevel = ERROR
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
        akka.cluster.failure-detector.heartbeat-interval = 500ms
        akka.cluster.split-brain-resolver.stable-after = 3s
        cyclic-actors.cluster.cut-every = 4
        """;

    protected static (ActorTrainingOptions Options, GpuCompute.Data.Dataset Data, float[] Initial) Setup()
    {
        var config = TrainingFixtures.Config("mlp", workers: 4, Steps) with { Epochs = 1000 };
        var data = TrainingFixtures.SyntheticFor("mlp", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        // Budget pacing, as the CLI runs: a surviving member's worker blocked in a pacing wait must not keep its part from stopping.
        return (new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2, Compensation = DelayCompensation.Lookahead, Pacing = Pacing.PacingMode.Budget }, data, initial);
    }

    protected (ActorSystem System, Task<MemberOutcome> Part)[] StartMembers(Address seed, int count, string extra = "") =>
        [.. Enumerable.Range(0, count).Select(_ =>
        {
            var member = Start("worker", extra);
            Akka.Cluster.Cluster.Get(member).Join(seed);
            return (member, ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("mlp", 64)));
        })];

    /// <summary>Cuts <paramref name="lost"/> off from every other node, both ways, as a crashed machine or a pulled cable is.</summary>
    protected static async Task CutOff(ActorSystem lost, params ActorSystem[] others)
    {
        var address = Akka.Cluster.Cluster.Get(lost).SelfAddress;
        foreach (var other in others)
        {
            var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)other).Provider).Transport;
            Assert.True(await transport.ManagementCommand(new SetThrottle(address, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));
        }
    }
}
