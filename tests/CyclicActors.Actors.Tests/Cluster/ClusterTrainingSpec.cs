using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;
using CyclicActors.GpuCompute.Data;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// A seed and two members as ActorSystems in one process on 127.0.0.1, every message between
/// them through Akka.Remote and the wire serializer: N = 4 workers (2 per member), reducers spread
/// over the members, and the result is bitwise the one-process result under each rule.
/// </summary>
public sealed class ClusterTrainingSpec : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private readonly List<ActorSystem> _systems = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Task.WhenAll(_systems.Select(system => system.Terminate())).WaitAsync(Limit);

    [Theory]
    [InlineData(UpdateRule.Dp)]
    [InlineData(UpdateRule.CdpV1)]
    [InlineData(UpdateRule.CdpV2)]
    public async Task Training_across_a_seed_and_two_members_equals_the_one_process_run(UpdateRule rule)
    {
        var config = TrainingFixtures.Config("cnn", workers: 4, steps: 3);
        var data = TrainingFixtures.SyntheticFor("cnn", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = rule };
        var expected = rule == UpdateRule.Dp ? TrainingFixtures.Reference(config, data) : TrainingFixtures.Simulate(config, data, rule);

        var seed = Start(CoordinatorSingleton.Role);
        var seedAddress = Akka.Cluster.Cluster.Get(seed).SelfAddress;
        Akka.Cluster.Cluster.Get(seed).Join(seedAddress);
        var members = new[] { Start("worker"), Start("worker") };
        var parts = members.Select(member =>
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("cnn", 64));
        }).ToArray();

        var run = await ClusterRun.SeedAsync(seed, options, data, initial).WaitAsync(Limit);

        TrainingFixtures.AssertBitwiseEqual(expected, run.Training.Outcome);
        Assert.Equal(0, run.Training.VersionViolations);
        // Each member sent tensors to the other (gradients for its reducers, parameters for its workers) and held activations.
        Assert.Equal(2, run.Nodes.Count);
        Assert.All(run.Nodes, node =>
        {
            Assert.Single(node.Peers);
            Assert.True(node.BytesSent[0] > 0, $"{node.Node} sent nothing");
            Assert.True(node.PeakActivationBytes > 0, $"{node.Node} held no activations");
        });
        foreach (var outcome in await Task.WhenAll(parts).WaitAsync(Limit))
        {
            Assert.True(outcome.Succeeded, outcome.Message);
        }
    }

    [Fact]
    public async Task A_member_with_other_data_is_refused_and_the_seed_names_what_is_missing()
    {
        var config = TrainingFixtures.Config("cnn", workers: 2, steps: 1);
        var data = TrainingFixtures.SyntheticFor("cnn", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var seed = Start(CoordinatorSingleton.Role, "cyclic-actors.cluster.join-timeout = 6s");
        var seedAddress = Akka.Cluster.Cluster.Get(seed).SelfAddress;
        Akka.Cluster.Cluster.Get(seed).Join(seedAddress);
        var member = Start("worker");
        Akka.Cluster.Cluster.Get(member).Join(seedAddress);
        var part = ClusterRun.MemberAsync(member, workers: 2, () => SyntheticDataset.Create(TrainingFixtures.SmallImageShape, 10, 64, seed: 99));

        var training = ClusterRun.SeedAsync(seed, new ActorTrainingOptions { Training = config }, data, initial);

        var refused = await part.WaitAsync(Limit);
        Assert.False(refused.Succeeded);
        Assert.Contains("refused by the coordinator: its training data (64 samples", refused.Message);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => training.WaitAsync(Limit));
        Assert.Contains("2 of 2 workers missing; no member admitted; refused: " + Akka.Cluster.Cluster.Get(member).SelfAddress, timeout.Message);
    }

    [Theory]
    [InlineData("akka", "0")]
    [InlineData("channel", "300 KiB")]
    public async Task Training_completes_bitwise_equal_in_small_chunks_with_the_link_between_the_members_throttled(string path, string bandwidthLimit)
    {
        // Small chunks and Akka's smallest frame limit: a stage tensor or final state sent whole
        // (a reducer's final state here is ~150 KB) would be dropped, so every one must be chunked.
        // On the Akka path the throttle slows the tensors too; on the channel path it slows the
        // protocol messages and the link's own limit paces the tensors.
        var throttled = $"""
            akka.remote.dot-netty.tcp.applied-adapters = [trttl]
            akka.remote.dot-netty.tcp.maximum-frame-size = 128000b
            cyclic-actors.transport.chunk-bytes = 16 KiB
            cyclic-actors.transport.path = {path}
            cyclic-actors.transport.bandwidth-limit = {bandwidthLimit}
            """;
        var config = TrainingFixtures.Config("cnn", workers: 4, steps: 3);
        var data = TrainingFixtures.SyntheticFor("cnn", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2 };
        var expected = TrainingFixtures.Simulate(config, data, UpdateRule.CdpV2);

        var seed = Start(CoordinatorSingleton.Role, throttled);
        var seedAddress = Akka.Cluster.Cluster.Get(seed).SelfAddress;
        Akka.Cluster.Cluster.Get(seed).Join(seedAddress);
        var members = new[] { Start("worker", throttled), Start("worker", throttled) };
        foreach (var member in members)
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
        }

        // 200 KB/s both ways between the members, where parameters, gradients and tokens flow.
        var transport = ((Akka.Remote.RemoteActorRefProvider)((ExtendedActorSystem)members[0]).Provider).Transport;
        var bucket = new Akka.Remote.Transport.TokenBucket(capacity: 64_000, tokensPerSecond: 200_000, nanoTimeOfLastSend: 0, availableTokens: 64_000);
        var throttle = new Akka.Remote.Transport.SetThrottle(Akka.Cluster.Cluster.Get(members[1]).SelfAddress, Akka.Remote.Transport.ThrottleTransportAdapter.Direction.Both, bucket);
        Assert.True(await transport.ManagementCommand(throttle));

        var parts = members.Select(member => ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("cnn", 64))).ToArray();
        var run = await ClusterRun.SeedAsync(seed, options, data, initial).WaitAsync(Limit);

        TrainingFixtures.AssertBitwiseEqual(expected, run.Training.Outcome);
        Assert.All(await Task.WhenAll(parts).WaitAsync(Limit), outcome => Assert.True(outcome.Succeeded, outcome.Message));
        Assert.Empty(Akka.Cluster.Cluster.Get(seed).State.Unreachable);
        Assert.All(run.Nodes, node => Assert.True(node.BytesSent.Sum() > 0, $"{node.Node} sent no tensors on the {path} path"));
    }

    private ActorSystem Start(string role, string extra = "")
    {
        var config = ConfigurationFactory.ParseString($"""
            akka.loglevel = WARNING
            akka.cluster.roles = ["{role}"]
            {extra}
            """).WithFallback(ClusterConfiguration.Defaults);
        var system = ActorSystem.Create("cyclic", config);
        _systems.Add(system);
        return system;
    }
}
