using System.Diagnostics;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tests.Transport;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// Two cluster nodes in one process, the link between them throttled to a low bandwidth with
/// Akka.Remote's throttler adapter: tensors still arrive complete and bit-exact through the
/// chunked link, flow control keeps the window, and the nodes stay reachable (heartbeats get
/// through between chunks).
/// </summary>
public sealed class ThrottledTensorLinkSpec : IAsyncLifetime
{
    private const int BytesPerSecond = 500_000;

    private static readonly Config NodeConfig = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.cluster.min-nr-of-members = 2
        cyclic-actors.transport.chunk-bytes = 64 KiB
        cyclic-actors.transport.window-chunks = 4
        """).WithFallback(ClusterConfiguration.Defaults);

    private readonly ActorSystem _sender = ActorSystem.Create("cyclic", NodeConfig);
    private readonly ActorSystem _receiver = ActorSystem.Create("cyclic", NodeConfig);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_sender.Terminate(), _receiver.Terminate()).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Tensors_cross_a_throttled_link_bit_exact_and_the_nodes_stay_reachable()
    {
        var settings = TransportSettings.From(NodeConfig);
        await FormClusterAsync();
        var receiverAddress = Akka.Cluster.Cluster.Get(_receiver).SelfAddress;
        var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)_sender).Provider).Transport;
        var throttle = new TokenBucket(capacity: 80_000, tokensPerSecond: BytesPerSecond, nanoTimeOfLastSend: 0, availableTokens: 80_000);
        Assert.True(await transport.ManagementCommand(new SetThrottle(receiverAddress, ThrottleTransportAdapter.Direction.Both, throttle)));

        var arrived = Channel.CreateUnbounded<(TransferLabel Label, float[] Values)>();
        var sent = Channel.CreateUnbounded<TensorSent>();
        Action<TensorReceived> keep = received =>
        {
            using (received.Tensor)
            {
                arrived.Writer.TryWrite((received.Label, received.Tensor.ToArray()));
            }
        };
        var collector = _receiver.ActorOf(Props.Create(() => new ChannelWriterActor<TensorReceived>(keep)));
        _receiver.ActorOf(Props.Create(() => new TensorLinkReceiver(collector, settings)), "tensor-link");
        var peer = await _sender.ActorSelection(new RootActorPath(receiverAddress) / "user" / "tensor-link").ResolveOne(TimeSpan.FromSeconds(10));
        var link = _sender.ActorOf(Props.Create(() => new TensorLinkSender(peer, settings)));
        Action<TensorSent> acknowledge = message => sent.Writer.TryWrite(message);
        var replies = _sender.ActorOf(Props.Create(() => new ChannelWriterActor<TensorSent>(acknowledge)));

        var random = new Random(4);
        var tensors = new[] { TransportTestData.Tensor(random, 100_000), TransportTestData.Tensor(random, 60_000), TransportTestData.Tensor(random, 3) };
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < tensors.Length; i++)
        {
            link.Tell(new SendTensor(new TransferLabel(i, 1, 2), tensors[i], replies));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var i = 0; i < tensors.Length; i++)
        {
            var (label, values) = await arrived.Reader.ReadAsync(timeout.Token);
            Assert.Equal(new TransferLabel(i, 1, 2), label);
            Assert.True(TransportTestData.BitwiseEqual(tensors[i], values), $"tensor {i} differs");
            Assert.Equal((long)i, (await sent.Reader.ReadAsync(timeout.Token)).TransferId);
        }

        // 640 KB at 500 KB/s: the throttle really held the link, and the cluster kept both nodes.
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(0.9), $"the transfer took only {clock.Elapsed}; the throttle did not apply");
        Assert.Empty(Akka.Cluster.Cluster.Get(_sender).State.Unreachable);
        Assert.Equal(2, Akka.Cluster.Cluster.Get(_sender).State.Members.Count(member => member.Status == MemberStatus.Up));
    }

    private async Task FormClusterAsync()
    {
        var up = new[] { _sender, _receiver }.Select(system =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => done.TrySetResult());
            return done.Task;
        }).ToArray();
        var seed = Akka.Cluster.Cluster.Get(_sender).SelfAddress;
        Akka.Cluster.Cluster.Get(_sender).Join(seed);
        Akka.Cluster.Cluster.Get(_receiver).Join(seed);
        await Task.WhenAll(up).WaitAsync(TimeSpan.FromSeconds(30));
    }
}

/// <summary>Hands every message of one type to a callback (test plumbing from actors to async tests).</summary>
internal sealed class ChannelWriterActor<T> : ReceiveActor
{
    public ChannelWriterActor(Action<T> onMessage) => Receive<T>(onMessage);
}
