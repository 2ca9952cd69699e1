using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Transport.Channel;

/// <summary>
/// A node's listening end of the dedicated tensor channels: one TCP port, any number of incoming
/// channels (one per sending peer and kind), each with its own <see cref="TensorReassemblyTable"/>.
/// The token is random per listener and travels to peers only inside Akka messages, so a
/// connection that does not present it (a port scanner, a node of an earlier run) is refused
/// before any frame is read. Over TLS the token is bound to the authenticated peer: a channel is
/// admitted only from a certificate this run's plan names (<see cref="AdmitPeers"/>), so a node of
/// the same CA outside the run cannot use a token it learned. Complete tensors and the reason each
/// channel ended go to the callbacks, on pool threads; nothing a peer sends can throw into the caller.
/// </summary>
public sealed class TensorChannelListener : IDisposable
{
    private readonly Socket _socket;
    private readonly TransportSettings _settings;
    private readonly Func<int, bool> _acceptsChannel;
    private readonly Action<int, ReassemblyStep> _onChunk;
    private readonly Action<string> _onChannelEnded;
    private readonly Action<string, string> _onRefused;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<IReadOnlySet<string>> _peers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _acceptLoop;
    private int _disposed;

    private TensorChannelListener(Socket socket, TransportSettings settings, Func<int, bool> acceptsChannel, Action<int, ReassemblyStep> onChunk, Action<string> onChannelEnded,
        Action<string, string> onRefused)
    {
        _socket = socket;
        _settings = settings;
        _acceptsChannel = acceptsChannel;
        _onChunk = onChunk;
        _onChannelEnded = onChannelEnded;
        _onRefused = onRefused;
        Token = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));
        var endpoint = (IPEndPoint)socket.LocalEndPoint!;
        Port = endpoint.Port;
        _acceptLoop = Task.Run(AcceptAsync);
    }

    /// <summary>The port peers connect to (the one asked for, or the one the OS chose for 0).</summary>
    public int Port { get; }

    /// <summary>What a peer must present in its hello.</summary>
    public long Token { get; }

    /// <summary>
    /// Listens on <paramref name="host"/>:<paramref name="port"/> (0: any free port).
    /// <paramref name="acceptsChannel"/> says which channel numbers exist; <paramref name="onChunk"/>
    /// gets each chunk's outcome with its channel (completed tensors belong to the callee).
    /// <paramref name="onChannelEnded"/> hears why an admitted channel ended; <paramref name="onRefused"/>
    /// gets the remote endpoint and the reason of each connection refused for breaking the protocol.
    /// </summary>
    /// <exception cref="IOException">The host cannot be resolved or the port cannot be bound; the message names both.</exception>
    public static TensorChannelListener Start(string host, int port, TransportSettings settings, Func<int, bool> acceptsChannel,
        Action<int, ReassemblyStep> onChunk, Action<string> onChannelEnded, Action<string, string> onRefused)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            var address = IPAddress.TryParse(host, out var parsed) ? parsed : Dns.GetHostAddresses(host).First(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6);
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.Dispose();
                socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            }

            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
            return new TensorChannelListener(socket, settings, acceptsChannel, onChunk, onChannelEnded, onRefused);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or ArgumentException)
        {
            socket.Dispose();
            throw new IOException($"cannot listen for tensor channels on {host}:{port}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The certificate fingerprints (<see cref="Security.ClusterTls.FingerprintOf"/>) of the nodes this run
    /// planned: over TLS, only they may open a channel; one that connects before the plan is known waits for it.
    /// The first call counts (a listener serves one round).
    /// </summary>
    public void AdmitPeers(IEnumerable<string> fingerprints)
    {
        ArgumentNullException.ThrowIfNull(fingerprints);
        _peers.TrySetResult(fingerprints.Where(f => f.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation or a closed socket; either is the expected way out.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            connection.NoDelay = true;
            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using var _ = connection;
        var remote = connection.RemoteEndPoint?.ToString() ?? "a peer";
        using var table = new TensorReassemblyTable(ArrayPool<float>.Shared, _settings.MaxTensorElements, _settings.MaxActiveTransfers);
        var channel = -1;
        ChannelEnd ended;
        try
        {
            ended = await TensorChannelReceiver.RunAsync(
                connection,
                async (hello, peer, cancel) =>
                {
                    if (hello.Token != Token || !_acceptsChannel(hello.Channel))
                    {
                        return ChannelAdmission.Refuse($"the peer presented token {hello.Token} for channel {hello.Channel}, which this node did not offer");
                    }

                    if (_settings.Tls is not null && await NotPlannedAsync(peer!, cancel).ConfigureAwait(false) is { } refusal)
                    {
                        return ChannelAdmission.Refuse(refusal);
                    }

                    channel = hello.Channel;
                    return ChannelAdmission.Admit(step => _onChunk(hello.Channel, step));
                },
                _settings.ChunkBytes,
                table,
                _stop.Token,
                tls: _settings.Tls,
                lowWaterBytes: _settings.ReceiveLowWaterBytes).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            ended = ChannelEnd.Closed("the listener was closed.");
        }

        var unfinished = table.DescribeIncomplete();
        var reason = ended.Reason + (unfinished.Count == 0 ? string.Empty : " Unfinished: " + string.Join("; ", unfinished));
        if (ended.Refused)
        {
            _onRefused(remote, reason);
        }
        else
        {
            _onChannelEnded($"tensor channel {channel} from {remote} ended: {reason}");
        }
    }

    private async Task<string?> NotPlannedAsync(System.Security.Cryptography.X509Certificates.X509Certificate peer, CancellationToken cancel)
    {
        var planned = await _peers.Task.WaitAsync(cancel).ConfigureAwait(false);
        var fingerprint = Security.ClusterTls.FingerprintOf(peer);
        return planned.Contains(fingerprint)
            ? null
            : $"certificate {peer.Subject} (SHA-256 {fingerprint}) is of this cluster's CA but not one of this run's nodes, so its token is not accepted";
    }
}
