using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace CyclicActors.Actors.Transport.Channel;

/// <summary>
/// The receiving end of a dedicated tensor channel: one TCP connection from one peer. It reads the
/// peer's <see cref="ChannelHello"/> and lets the caller admit it (token and channel), then for each frame validates the header with the
/// link's <see cref="TensorReassemblyTable"/>, reads the payload straight into the tensor (the
/// kernel's copy is the only one) and acknowledges with the cumulative count (8 bytes, LE).
/// A malformed frame ends the connection with a logged reason; it never throws to the caller's
/// thread, so a bad peer cannot crash the node.
/// </summary>
public static class TensorChannelReceiver
{
    /// <summary>How long a connection may take to present its hello; a peer of ours sends it at once.</summary>
    public static readonly TimeSpan DefaultHelloTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs until the peer closes, a frame is malformed or <paramref name="cancel"/> fires; returns why it ended.
    /// <paramref name="admit"/> sees the hello and the peer's TLS certificate and says where this channel's chunks go, or why it is refused.
    /// A connection that has not sent its whole hello within <paramref name="helloTimeout"/> (default
    /// <see cref="DefaultHelloTimeout"/>) is refused, so that idle connections cannot hold the listener's sockets.
    /// <paramref name="lowWaterBytes"/> above 0: a payload read wakes only once that many of its bytes (or all
    /// that are missing) have arrived (<see cref="ReceiveLowWater"/>; plain TCP only).
    /// </summary>
    public static async Task<ChannelEnd> RunAsync(
        Socket socket,
        ChannelAdmitter admit,
        int maxPayloadBytes,
        TensorReassemblyTable table,
        CancellationToken cancel,
        TimeSpan? helloTimeout = null,
        Security.ClusterTls? tls = null,
        int lowWaterBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(admit);
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Max(maxPayloadBytes, 1));
        var header = new byte[ChannelFrameCodec.HeaderSize];
        var ack = new byte[sizeof(long)];
        try
        {
            await using var network = new NetworkStream(socket, ownsSocket: false);
            Stream stream = network;
            await using var secured = new AsyncDisposables();
            var helloBytes = new byte[ChannelHello.Size];
            var timeout = helloTimeout ?? DefaultHelloTimeout;
            ChannelAdmission admission;
            var helloArrived = false;
            using (var helloDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                // The TLS handshake, then the hello, within the hello timeout: a silent or plaintext peer cannot hold a socket.
                helloDeadline.CancelAfter(timeout);
                try
                {
                    if (tls is not null)
                    {
                        try
                        {
                            stream = secured.Add(await tls.AcceptAsync(network, helloDeadline.Token).ConfigureAwait(false));
                        }
                        catch (System.Security.Authentication.AuthenticationException e)
                        {
                            return ChannelEnd.Refusal($"TLS handshake refused: {e.Message}; connection closed.");
                        }
                    }

                    var helloRead = await stream.ReadAtLeastAsync(helloBytes, helloBytes.Length, throwOnEndOfStream: false, helloDeadline.Token).ConfigureAwait(false);
                    if (helloRead < helloBytes.Length)
                    {
                        return ChannelEnd.Refusal($"the peer closed the connection after {helloRead} of the {helloBytes.Length} bytes of a channel hello; connection refused.");
                    }

                    helloArrived = true;
                    admission = await admit(ChannelHello.Read(helloBytes), (stream as System.Net.Security.SslStream)?.RemoteCertificate, helloDeadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    return ChannelEnd.Refusal(helloArrived
                        ? $"the peer's channel hello was not admitted within {timeout.TotalSeconds:0.###} s (no plan named its certificate); connection refused."
                        : $"the peer sent no {(tls is null ? "" : "TLS handshake and ")}channel hello within {timeout.TotalSeconds:0.###} s; connection refused.");
                }
            }

            if (admission.OnChunk is not { } onChunk)
            {
                return ChannelEnd.Refusal($"{admission.Refusal}; connection refused.");
            }

            // Under TLS the stream reads ahead into its own buffer, so the bytes still in the socket
            // can be fewer than the payload still missing, and a low-water mark could wait forever.
            var lowWater = tls is null && lowWaterBytes > 0 ? ReceiveLowWater.For(socket, lowWaterBytes) : null;

            while (true)
            {
                var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancel).ConfigureAwait(false);
                if (read == 0)
                {
                    return ChannelEnd.Closed("the peer closed the channel.");
                }

                if (read < header.Length)
                {
                    return ChannelEnd.Refusal($"the channel ended inside a frame header ({read} of {header.Length} bytes).");
                }

                var frame = ChannelFrameCodec.Read(header, maxPayloadBytes, out var error);
                if (frame is not { } parsed)
                {
                    return ChannelEnd.Refusal($"malformed frame: {error} Connection closed.");
                }

                // The payload goes straight from the socket into its place in the tensor; a refused
                // chunk's payload is read into scratch space and dropped, keeping the framing.
                ReassemblyStep step;
                if (table.TryReserve(parsed, out var destination, out var refusal))
                {
                    await ReadPayloadAsync(stream, lowWater, destination, cancel).ConfigureAwait(false);
                    step = table.Commit(parsed);
                }
                else
                {
                    await ReadPayloadAsync(stream, lowWater, scratch.AsMemory(0, parsed.PayloadBytes), cancel).ConfigureAwait(false);
                    step = refusal;
                }

                // Ack first: the payload is in the tensor now, and whatever the owner does with a
                // completed tensor must not hold back the sender's credits.
                BinaryPrimitives.WriteInt64LittleEndian(ack, table.ReceivedChunks);
                await stream.WriteAsync(ack, cancel).ConfigureAwait(false);
                onChunk(step);
            }
        }
        catch (OperationCanceledException)
        {
            return ChannelEnd.Closed("the channel was cancelled.");
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or ObjectDisposedException)
        {
            return ChannelEnd.Closed($"the channel failed: {e.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> from the stream, asking the kernel (through
    /// <paramref name="lowWater"/>, when there is one) to wake the read only once the rest of the payload, or
    /// the mark's most of it, has arrived.
    /// </summary>
    private static async ValueTask ReadPayloadAsync(Stream stream, ReceiveLowWater? lowWater, Memory<byte> destination, CancellationToken cancel)
    {
        var filled = 0;
        try
        {
            while (filled < destination.Length)
            {
                lowWater?.Wait(destination.Length - filled);
                var read = await stream.ReadAsync(destination[filled..], cancel).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException($"the peer closed the channel {filled} bytes into a {destination.Length}-byte payload.");
                }

                filled += read;
            }
        }
        finally
        {
            // The next frame header is small and its size known only once read: wake for any byte again.
            lowWater?.Wait(1);
        }
    }
}

/// <summary>
/// A socket's receive low-water mark (SO_RCVLOWAT): the kernel reports the socket readable only once
/// that many bytes are queued (or the peer closed, or the queue is under memory pressure). The channel
/// knows each payload's length, so it can wait for all of it, or a large part, in one wake-up; without
/// it the reader woke for almost every TCP segment (about 3,300 reads a step for cnn on the emulated
/// hosts, bench/results/channel-wakeups.md), each a trip through epoll, the thread pool and a syscall.
/// </summary>
internal sealed class ReceiveLowWater
{
    private readonly Socket _socket;
    private readonly int _maxBytes;
    private int _current = 1;

    private ReceiveLowWater(Socket socket, int maxBytes) => (_socket, _maxBytes) = (socket, maxBytes);

    /// <summary>
    /// The socket's mark, waiting for at most <paramref name="maxBytes"/> at a time, or none where the platform
    /// refuses SO_RCVLOWAT (Windows): reads then wake as data comes.
    /// </summary>
    public static ReceiveLowWater? For(Socket socket, int maxBytes)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, 1);
            return new ReceiveLowWater(socket, maxBytes);
        }
        catch (Exception e) when (e is SocketException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Sets the mark to <paramref name="bytes"/> (at most the mark's most); no system call when it is already there.</summary>
    public void Wait(int bytes)
    {
        var mark = Math.Clamp(bytes, 1, _maxBytes);
        if (mark != _current)
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, mark);
            _current = mark;
        }
    }
}

/// <summary>Streams a method opened along the way, disposed with it.</summary>
internal sealed class AsyncDisposables : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _items = [];

    public T Add<T>(T item)
        where T : IAsyncDisposable
    {
        _items.Add(item);
        return item;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var item in _items)
        {
            await item.DisposeAsync().ConfigureAwait(false);
        }
    }
}
