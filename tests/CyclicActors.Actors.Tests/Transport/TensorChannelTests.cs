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

    [Theory]
    [InlineData(0)] // every arrival wakes the read
    [InlineData(1000)] // a mark smaller than a payload, which then takes several waits
    [InlineData(1 << 20)] // a mark above every payload: each read waits for exactly what is missing
    public async Task Tensors_cross_the_channel_bit_for_bit_within_the_window(int lowWaterBytes)
    {
        using var cancel = new CancellationTokenSource(Limit);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var completed = new ConcurrentQueue<float[]>();
        using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 1 << 16, maxActiveTransfers: 2);
        var receiving = ReceiveCompleted(listener, table, completed, lowWaterBytes, cancel.Token);

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
    public async Task A_payload_that_arrives_in_pieces_is_read_whole_however_high_the_low_water_mark()
    {
        // The mark asks for 1 MiB, the payload is 4,000 bytes and its second half comes 300 ms after the
        // first: the read must wait for what is missing, not for the mark, or this chunk would never be acknowledged.
        using var cancel = new CancellationTokenSource(Limit);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var completed = new ConcurrentQueue<float[]>();
        using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 1000, maxActiveTransfers: 1);
        var receiving = ReceiveCompleted(listener, table, completed, lowWaterBytes: 1 << 20, cancel.Token);

        var values = TransportTestData.Tensor(new Random(4), 1000);
        var payload = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        using (var client = new TcpClient { NoDelay = true })
        {
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancel.Token);
            var stream = client.GetStream();
            await Hello(stream, 77);
            var header = new byte[ChannelFrameCodec.HeaderSize];
            ChannelFrameCodec.Write(new ChunkHeader(1, 0, 0, 0, 0, 1, 0, values.Length, payload.Length), header);
            await stream.WriteAsync(header, cancel.Token);
            await stream.WriteAsync(payload.AsMemory(0, 1500), cancel.Token);
            await Task.Delay(300, cancel.Token);
            await stream.WriteAsync(payload.AsMemory(1500), cancel.Token);
            var ack = new byte[sizeof(long)];
            await stream.ReadExactlyAsync(ack, cancel.Token);
            Assert.Equal(1, BinaryPrimitives.ReadInt64LittleEndian(ack));
        }

        Assert.Equal(ChannelEnd.Closed("the peer closed the channel."), await receiving.WaitAsync(Limit));
        Assert.True(TransportTestData.BitwiseEqual(values, Assert.Single(completed)));
    }

    [Fact]
    public async Task A_peer_that_closes_inside_a_payload_ends_the_channel_saying_where()
    {
        var ended = await Receive(async stream =>
        {
            await Hello(stream, 77);
            var header = new byte[ChannelFrameCodec.HeaderSize];
            ChannelFrameCodec.Write(new ChunkHeader(1, 0, 0, 0, 0, 1, 0, 100, 400), header);
            await stream.WriteAsync(header);
            await stream.WriteAsync(new byte[160]);
        });

        Assert.False(ended.Refused);
        Assert.Contains("160 bytes into a 400-byte payload", ended.Reason);
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

    /// <summary>Accepts one connection and runs a receiver on it that queues every completed tensor's values.</summary>
    private static Task<ChannelEnd> ReceiveCompleted(TcpListener listener, TensorReassemblyTable table, ConcurrentQueue<float[]> completed, int lowWaterBytes, CancellationToken cancel) =>
        Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(cancel);
            return await TensorChannelReceiver.RunAsync(socket, TokenIs(77, step =>
            {
                if (step.Tensor is { } tensor)
                {
                    completed.Enqueue(tensor.ToArray());
                    tensor.Dispose();
                }
            }), 4096, table, cancel, lowWaterBytes: lowWaterBytes);
        });

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
