using System.Buffers.Binary;
using System.Net.Sockets;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Transport.Channel;

/// <summary>
/// The sending end of a dedicated tensor channel. Writes each chunk as a 44-byte header followed
/// by the payload taken straight from the tensor (no copy in user space), never with more than the
/// window's chunks unacknowledged; a background loop reads the receiver's cumulative acks.
/// One sending task at a time.
/// </summary>
public sealed class TensorChannelSender : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly FlowControlWindow _window;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _acknowledged = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _header = new byte[ChannelFrameCodec.HeaderSize];
    private readonly Task _ackLoop;
    private string? _failure;

    private readonly BandwidthPacer _pacer;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private TensorChannelSender(Socket socket, Stream stream, int windowChunks, BandwidthPacer? pacer)
    {
        _socket = socket;
        _pacer = pacer ?? new BandwidthPacer(0, 1);
        _stream = stream;
        _window = new FlowControlWindow(windowChunks);
        _ackLoop = Task.Run(ReadAcksAsync);
    }

    public long Acknowledged
    {
        get
        {
            lock (_gate)
            {
                return _window.Acknowledged;
            }
        }
    }

    /// <summary>Connects to an offered endpoint and presents the offer's token for channel 0, unpaced.</summary>
    public static Task<TensorChannelSender> ConnectAsync(string host, int port, long token, int windowChunks, CancellationToken cancel) =>
        ConnectAsync(host, port, new ChannelHello(token, 0), windowChunks, pacer: null, cancel);

    /// <summary>
    /// Connects to an offered endpoint and presents <paramref name="hello"/>; <paramref name="pacer"/> caps the payload rate.
    /// With <paramref name="tls"/>, the connection is mutual TLS first (the hello and its token travel encrypted, to an authenticated peer
    /// whose certificate is <paramref name="peerFingerprint"/> when that is given).
    /// </summary>
    public static async Task<TensorChannelSender> ConnectAsync(string host, int port, ChannelHello hello, int windowChunks, BandwidthPacer? pacer, CancellationToken cancel,
        Security.ClusterTls? tls = null, string? peerFingerprint = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(host, port, cancel).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
            {
                stream = await tls.ConnectAsync(stream, host, cancel, peerFingerprint).ConfigureAwait(false);
            }

            var helloBytes = new byte[ChannelHello.Size];
            hello.Write(helloBytes);
            await stream.WriteAsync(helloBytes, cancel).ConfigureAwait(false);
            await stream.FlushAsync(cancel).ConfigureAwait(false);
            return new TensorChannelSender(socket, stream, windowChunks, pacer);
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends the chunks in order, waiting for credits; returns the cumulative count sent.</summary>
    public async Task<long> SendAsync(IReadOnlyList<TensorChunk> chunks, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        long sent = 0;
        foreach (var chunk in chunks)
        {
            while (!TryAcquireCredit(out sent))
            {
                await _acknowledged.WaitAsync(cancel).ConfigureAwait(false);
            }

            var wait = _pacer.Reserve(chunk.Payload.Length, _clock.Elapsed.TotalSeconds);
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait), cancel).ConfigureAwait(false);
            }

            ChannelFrameCodec.Write(ChunkHeader.Of(chunk), _header);
            await _stream.WriteAsync(_header, cancel).ConfigureAwait(false);
            await _stream.WriteAsync(chunk.Payload, cancel).ConfigureAwait(false);
        }

        return sent;
    }

    /// <summary>Completes when the receiver has acknowledged <paramref name="chunks"/> chunks in total.</summary>
    public async Task WhenAcknowledgedAsync(long chunks, CancellationToken cancel)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_window.Acknowledged >= chunks)
                {
                    return;
                }

                if (_failure is not null)
                {
                    throw new IOException(_failure);
                }
            }

            await _acknowledged.WaitAsync(cancel).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Shutdown(SocketShutdown.Both);
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _ackLoop.ConfigureAwait(false);
        _stop.Dispose();
        _acknowledged.Dispose();
    }

    private bool TryAcquireCredit(out long sent)
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new IOException(_failure);
            }

            var acquired = _window.TryAcquire();
            sent = _window.Sent;
            return acquired;
        }
    }

    private async Task ReadAcksAsync()
    {
        var ack = new byte[sizeof(long)];
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(ack, _stop.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_window.OnAcknowledged(BinaryPrimitives.ReadInt64LittleEndian(ack)) == AckOutcome.Invalid)
                    {
                        _failure = "the receiver acknowledged chunks that were never sent.";
                    }
                }

                _acknowledged.Release();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or ObjectDisposedException or OperationCanceledException)
        {
            lock (_gate)
            {
                _failure ??= $"the tensor channel closed: {e.Message}";
            }

            _acknowledged.Release();
        }
    }
}
