using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tests.Runtime;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;
using CyclicActors.Actors.Transport.Link;
using CyclicActors.TestSupport;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Transport;

/// <summary>
/// The runtime's channel path end to end in one process: <see cref="TensorChannelLink"/> actors
/// sending to a <see cref="TensorChannelListener"/> over loopback TCP.
/// </summary>
public sealed class TensorChannelLinkSpec(ITestOutputHelper output) : ActorSpec(output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static TransportSettings Settings(string extra = "") => TransportSettings.From(
        ConfigurationFactory.ParseString($"""
            cyclic-actors.transport.chunk-bytes = 64 KiB
            cyclic-actors.transport.window-chunks = 3
            {extra}
            """).WithFallback(ClusterConfiguration.Defaults));

    [Fact]
    public async Task Tensors_of_two_kinds_arrive_bit_exact_on_their_channel_and_acks_come_back()
    {
        var settings = Settings();
        using var inbox = new Inbox();
        using var listener = inbox.Listen(settings);
        var gradients = Sys.ActorOf(Props.Create(() => new TensorChannelLink((int)TensorKind.Gradient, "peer", settings, null, null)));
        var parameters = Sys.ActorOf(Props.Create(() => new TensorChannelLink((int)TensorKind.Parameters, "peer", settings, null, null)));

        // Sent before the endpoint is known: they wait, then leave in order.
        var random = new Random(8);
        var sentGradients = new[] { TransportTestData.Tensor(random, 50_000), TransportTestData.Tensor(random, 1), TransportTestData.Tensor(random, 16_384) };
        var sentParameters = new[] { TransportTestData.Tensor(random, 70_001) };
        for (var i = 0; i < sentGradients.Length; i++)
        {
            gradients.Tell(new SendTensor(new TransferLabel(i, 2, 3), sentGradients[i], TestActor));
        }

        parameters.Tell(new SendTensor(new TransferLabel(9, 1, 0), sentParameters[0], TestActor));
        var endpoint = new ChannelEndpoint("127.0.0.1", listener.Port, listener.Token);
        gradients.Tell(endpoint);
        parameters.Tell(endpoint);

        var acks = Enumerable.Range(0, 4).Select(_ => ExpectMsg<TensorSent>(Limit)).ToArray();
        Assert.Equal([0, 1, 2], acks.Where(a => a.Label.Stage == 2).Select(a => a.Label.Step));
        var arrived = await inbox.TakeAsync(4);
        var byKind = arrived.ToLookup(a => a.Channel);
        Assert.Equal(sentGradients.Length, byKind[(int)TensorKind.Gradient].Count());
        foreach (var (channel, label, values) in arrived)
        {
            var expected = channel == (int)TensorKind.Gradient ? sentGradients[label.Step] : sentParameters[0];
            Assert.True(TransportTestData.BitwiseEqual(expected, values), $"channel {channel} step {label.Step} differs");
        }

        gradients.Tell(LinkStatisticsRequested.Instance);
        var statistics = ExpectMsg<LinkStatistics>();
        Assert.Equal(sentGradients.Sum(t => (long)t.Length * sizeof(float)), statistics.PayloadBytes);
        Assert.Equal(4 + 1 + 1, statistics.Chunks); // 200,000 B in 64 KiB chunks is 4; then 1 and 1
    }

    [Fact]
    public async Task A_connection_with_the_wrong_token_is_refused_and_delivers_nothing()
    {
        var settings = Settings();
        using var inbox = new Inbox();
        using var listener = inbox.Listen(settings);
        var link = Sys.ActorOf(Props.Create(() => new TensorChannelLink(0, "peer", settings, null, null)));
        link.Tell(new ChannelEndpoint("127.0.0.1", listener.Port, listener.Token + 1));
        link.Tell(new SendTensor(new TransferLabel(0, 0, 0), new float[10], null));

        var (remote, reason) = await inbox.Refused.Reader.ReadAsync().AsTask().WaitAsync(Limit);
        Assert.Contains("did not offer; connection refused", reason);
        Assert.Contains("127.0.0.1", remote);
        Assert.Empty(inbox.Arrived);
    }

    [Fact]
    public async Task Garbage_from_the_network_ends_only_that_connection_and_the_listener_keeps_serving()
    {
        var settings = Settings();
        using var inbox = new Inbox();
        using var listener = inbox.Listen(settings);

        // The right token, then a frame with a bad magic; then a frame announcing 1 GiB of payload.
        foreach (var frame in new[] { Enumerable.Repeat((byte)0x5A, ChannelFrameCodec.HeaderSize).ToArray(), OversizedFrame() })
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, listener.Port);
            var hello = new byte[ChannelHello.Size];
            new ChannelHello(listener.Token, 0).Write(hello);
            await client.GetStream().WriteAsync(hello);
            await client.GetStream().WriteAsync(frame);
            var (remote, reason) = await inbox.Refused.Reader.ReadAsync().AsTask().WaitAsync(Limit);
            Assert.Contains("malformed frame", reason);
            Assert.EndsWith($":{((System.Net.IPEndPoint)client.Client.LocalEndPoint!).Port}", remote); // names the connection that sent it
        }

        // A well-behaved link still gets through.
        var link = Sys.ActorOf(Props.Create(() => new TensorChannelLink(1, "peer", settings, null, null)));
        link.Tell(new ChannelEndpoint("127.0.0.1", listener.Port, listener.Token));
        var tensor = TransportTestData.Tensor(new Random(3), 1000);
        link.Tell(new SendTensor(new TransferLabel(0, 0, 0), tensor, null));
        var arrived = Assert.Single(await inbox.TakeAsync(1));
        Assert.True(TransportTestData.BitwiseEqual(tensor, arrived.Values));
    }

    private static byte[] OversizedFrame()
    {
        var frame = new byte[ChannelFrameCodec.HeaderSize];
        ChannelFrameCodec.Write(new ChunkHeader(1, 0, 0, 0, 0, 1, 0, 1 << 28, 1 << 30), frame);
        return frame;
    }

    [Fact]
    public async Task A_channel_that_cannot_connect_fails_the_link_naming_the_peer_and_endpoint()
    {
        var settings = Settings();
        using var closed = new ClosedPort();
        var failures = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        Sys.ActorOf(Props.Create(() => new FailureWatchingParent(failures, settings, closed.Port)));
        var error = await failures.Task.WaitAsync(Limit);
        var failure = Assert.IsType<TensorChannelException>(error);
        Assert.Contains("tensor channel to member-b", failure.Message);
        Assert.Contains($"127.0.0.1:{closed.Port}", failure.Message);
    }

    [Fact]
    public async Task A_bandwidth_limit_paces_the_payload()
    {
        // 4 chunks of 64 KiB at 512 KiB/s: each waits 1/8 s for the capped link to carry it, 1/2 s in all.
        var settings = Settings("cyclic-actors.transport.bandwidth-limit = 512 KiB");
        using var inbox = new Inbox();
        using var listener = inbox.Listen(settings);
        var link = Sys.ActorOf(Props.Create(() => new TensorChannelLink(0, "peer", settings, null, null)));
        link.Tell(new ChannelEndpoint("127.0.0.1", listener.Port, listener.Token));
        var clock = Stopwatch.StartNew();
        link.Tell(new SendTensor(new TransferLabel(0, 0, 0), new float[4 * 16_384], null));
        await inbox.TakeAsync(1);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.49), $"4 chunks at 512 KiB/s took only {clock.Elapsed.TotalSeconds:F3} s");
    }

    /// <summary>Collects what a listener delivers: completed tensors (copied out, buffers returned) and why channels ended.</summary>
    private sealed class Inbox : IDisposable
    {
        private readonly SemaphoreSlim _count = new(0);

        public ConcurrentQueue<(int Channel, TransferLabel Label, float[] Values)> Arrived { get; } = new();

        public System.Threading.Channels.Channel<string> Ended { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public System.Threading.Channels.Channel<(string Remote, string Reason)> Refused { get; } = System.Threading.Channels.Channel.CreateUnbounded<(string, string)>();

        public TensorChannelListener Listen(TransportSettings settings) => TensorChannelListener.Start(
            "127.0.0.1",
            0,
            settings,
            channel => channel is 0 or 1,
            (channel, step) =>
            {
                if (step.Result.Outcome == ChunkOutcome.Completed)
                {
                    using var tensor = step.Tensor!;
                    Arrived.Enqueue((channel, step.Label, tensor.ToArray()));
                    _count.Release();
                }
            },
            ended => Ended.Writer.TryWrite(ended),
            (remote, reason) => Refused.Writer.TryWrite((remote, reason)));

        public async Task<(int Channel, TransferLabel Label, float[] Values)[]> TakeAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await _count.WaitAsync(Limit), $"only {i} of {count} tensors arrived");
            }

            return Arrived.ToArray();
        }

        public void Dispose() => _count.Dispose();
    }

    /// <summary>Supervises one link to a closed port and reports how it failed.</summary>
    private sealed class FailureWatchingParent : UntypedActor
    {
        private readonly TaskCompletionSource<Exception> _failures;

        public FailureWatchingParent(TaskCompletionSource<Exception> failures, TransportSettings settings, int port)
        {
            _failures = failures;
            var link = Context.ActorOf(Props.Create(() => new TensorChannelLink(0, "member-b", settings, null, null)));
            link.Tell(new ChannelEndpoint("127.0.0.1", port, 1));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(error =>
        {
            _failures.TrySetResult(error);
            return Directive.Stop;
        });

        protected override void OnReceive(object message) => Unhandled(message);
    }
}
