using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;

namespace CyclicActors.Actors.Tests.Transport;

/// <summary>The dedicated channel over a real loopback connection, in one process, bounded in time.</summary>
public sealed class TensorChannelTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Tensors_cross_the_channel_bit_for_bit_within_the_window()
    {
        using var cancel = new CancellationTokenSource(Limit);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var completed = new ConcurrentQueue<float[]>();
        using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 1 << 16, maxActiveTransfers: 2);
        var receiving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(cancel.Token);
            return await TensorChannelReceiver.RunAsync(socket, TokenIs(77, step =>
            {
                if (step.Tensor is { } tensor)
                {
                    completed.Enqueue(tensor.ToArray());
                    tensor.Dispose();
                }
            }), 4096, table, cancel.Token);
        });

        var random = new Random(9);
        var tensors = Enumerable.Range(0, 3).Select(_ => TransportTestData.Tensor(random, random.Next(1, 20000))).ToArray();
        await using (var sender = await TensorChannelSender.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, 77, windowChunks: 3, cancel.Token))
        {
            for (var i = 0; i < tensors.Length; i++)
            {
                var sent = await sender.SendAsync(TransportTestData.Chunks(i, tensors[i], 1024), cancel.Token);
                await sender.WhenAcknowledgedAsync(sent, cancel.Token);
            }
        }

        Assert.Equal(ChannelEnd.Closed("the peer closed the channel."), await receiving.WaitAsync(Limit));
        Assert.Equal(tensors.Length, completed.Count);
        Assert.All(tensors.Zip(completed), pair => Assert.True(TransportTestData.BitwiseEqual(pair.First, pair.Second)));
    }

    [Fact]
    public async Task A_wrong_token_or_a_garbage_frame_refuses_the_connection_with_a_reason()
    {
        AssertRefused("presented token 5", await Receive(stream => Hello(stream, 5)));
        AssertRefused("after 5 of the 12 bytes of a channel hello", await Receive(stream => stream.WriteAsync(new byte[5]).AsTask()));
        AssertRefused("malformed frame", await Receive(async stream =>
        {
            await Hello(stream, 77);
            await stream.WriteAsync(Enumerable.Repeat((byte)0xAB, ChannelFrameCodec.HeaderSize).ToArray());
        }));
        AssertRefused("inside a frame header", await Receive(async stream =>
        {
            await Hello(stream, 77);
            await stream.WriteAsync(new byte[10]);
        }));
    }

    [Fact]
    public async Task A_peer_that_sends_no_hello_is_refused_when_the_hello_timeout_runs_out()
    {
        using var cancel = new CancellationTokenSource(Limit);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 1000, maxActiveTransfers: 1);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancel.Token);
        await client.GetStream().WriteAsync(new byte[3], cancel.Token); // part of a hello, then silence
        using var socket = await listener.AcceptSocketAsync(cancel.Token);

        var ended = await TensorChannelReceiver.RunAsync(socket, TokenIs(77, _ => { }), 4096, table, cancel.Token, helloTimeout: TimeSpan.FromMilliseconds(300));

        AssertRefused("sent no channel hello within 0.3 s", ended);
        Assert.False(cancel.IsCancellationRequested);
    }

    [Fact]
    public async Task A_peer_that_closes_after_its_hello_ends_the_channel_without_a_refusal()
    {
        Assert.Equal(ChannelEnd.Closed("the peer closed the channel."), await Receive(stream => Hello(stream, 77)));
    }

    private static void AssertRefused(string reason, ChannelEnd ended)
    {
        Assert.True(ended.Refused, $"not a refusal: {ended.Reason}");
        Assert.Contains(reason, ended.Reason);
    }

    /// <summary>Admits a channel whose hello carries <paramref name="token"/>, whatever its channel number.</summary>
    private static ChannelAdmitter TokenIs(long token, Action<ReassemblyStep> onChunk) =>
        (hello, _, _) => ValueTask.FromResult(hello.Token == token ? ChannelAdmission.Admit(onChunk) : ChannelAdmission.Refuse($"the peer presented token {hello.Token}, which this test did not offer"));

    private static async Task Hello(NetworkStream stream, long token)
    {
        var bytes = new byte[ChannelHello.Size];
        new ChannelHello(token, 0).Write(bytes);
        await stream.WriteAsync(bytes);
    }

    /// <summary>Runs a receiver against a raw client that writes <paramref name="write"/> and closes.</summary>
    private static async Task<ChannelEnd> Receive(Func<NetworkStream, Task> write)
    {
        using var cancel = new CancellationTokenSource(Limit);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 1000, maxActiveTransfers: 1);
        var receiving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(cancel.Token);
            return await TensorChannelReceiver.RunAsync(socket, TokenIs(77, _ => { }), 4096, table, cancel.Token);
        });
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancel.Token);
            await write(client.GetStream());
        }

        return await receiving.WaitAsync(Limit);
    }
}
