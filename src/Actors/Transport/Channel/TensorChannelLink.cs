using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Transport.Channel;

/// <summary>Local: where the link's peer listens; the link connects on receiving it.</summary>
public sealed record ChannelEndpoint(string Host, int Port, long Token, string Certificate = "") : INoSerializationVerificationNeeded;

/// <summary>A tensor channel to a peer failed; the message names the peer, the endpoint and the cause.</summary>
public sealed class TensorChannelException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The sending end of one link (this node to one peer, one channel number) over a dedicated
/// <see cref="TensorChannelSender"/>: the same <see cref="SendTensor"/>/<see cref="TensorSent"/>
/// contract and statistics as the Akka.Remote <see cref="TensorLinkSender"/>, so relays do not
/// know which path a tensor takes. Tensors wait until the peer's endpoint is known, then leave in
/// order from one pump task (a socket has one writer). A failed channel fails the actor with a
/// <see cref="TensorChannelException"/>, which its parent turns into the end of the run.
/// </summary>
public sealed class TensorChannelLink : ReceiveActor, IWithUnboundedStash
{
    private readonly int _channel;
    private readonly string _peer;
    private readonly TransportSettings _settings;
    private readonly TraceRecorder? _trace;
    private readonly string _track;
    private readonly Channel<SendTensor> _queue = System.Threading.Channels.Channel.CreateUnbounded<SendTensor>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Task _pump = Task.CompletedTask;
    private long _payloadBytes;
    private long _chunks;

    /// <param name="channel">The receiver's channel number (what the tensors are).</param>
    /// <param name="peer">The peer's name, for messages and the trace track.</param>
    /// <param name="trace">Records one span per tensor on track "link SELF->PEER", when given.</param>
    public TensorChannelLink(int channel, string peer, TransportSettings settings, TraceRecorder? trace = null, string? track = null)
    {
        _channel = channel;
        _peer = peer;
        _settings = settings;
        _trace = trace;
        _track = track ?? $"link ->{peer}";
        Receive<ChannelEndpoint>(Open);
        Receive<SendTensor>(_ => Stash.Stash());
        Receive<LinkStatisticsRequested>(_ => ReplyStatistics());
    }

    public IStash Stash { get; set; } = null!;

    protected override void PostStop()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        try
        {
            _pump.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // A pump that failed has reported it already; stopping is what is left.
        }

        _stop.Dispose();
    }

    private void Open(ChannelEndpoint endpoint)
    {
        var self = Self;
        _pump = Task.Run(() => PumpAsync(endpoint, self));
        Become(() =>
        {
            Receive<SendTensor>(request => _queue.Writer.TryWrite(request));
            Receive<LinkStatisticsRequested>(_ => ReplyStatistics());
            Receive<Failed>(failed => throw new TensorChannelException(failed.Reason, failed.Cause));
            Receive<ChannelEndpoint>(again => _log.Warning("Ignoring a second endpoint {0}:{1} for the link to {2}.", again.Host, again.Port, _peer));
        });
        Stash.UnstashAll();
    }

    private void ReplyStatistics() => Sender.Tell(new LinkStatistics(Interlocked.Read(ref _payloadBytes), Interlocked.Read(ref _chunks)));

    private async Task PumpAsync(ChannelEndpoint endpoint, IActorRef self)
    {
        var cancel = _stop.Token;
        TensorChannelSender? sender = null;
        try
        {
            // No burst: each chunk leaves only once the capped link would have carried the ones
            // before it, so even a small tensor takes its size / rate, as on a slow network.
            var pacer = new BandwidthPacer(_settings.BandwidthLimit, burstBytes: 1);
            sender = await TensorChannelSender.ConnectAsync(endpoint.Host, endpoint.Port, new ChannelHello(endpoint.Token, _channel), _settings.WindowChunks, pacer, cancel, _settings.Tls, endpoint.Certificate)
                .ConfigureAwait(false);
            long transferId = 0;
            var acknowledgements = Task.CompletedTask;
            await foreach (var request in _queue.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
            {
                var start = _trace?.NowMicroseconds ?? 0;
                var chunks = TensorChunker.Split(transferId, request.Label, request.Tensor, _settings.ChunkBytes);
                var sent = await sender.SendAsync(chunks, cancel).ConfigureAwait(false);
                long payload = (long)request.Tensor.Length * sizeof(float);
                Interlocked.Add(ref _payloadBytes, payload);
                Interlocked.Add(ref _chunks, chunks.Count);
                _trace?.Transfer(_track, $"s{request.Label.Stage}.r{request.Label.Rank}@{request.Label.Step}", start, _trace.NowMicroseconds, payload);
                if (request.ReplyTo is { } replyTo)
                {
                    acknowledgements = ReplyWhenAcknowledgedAsync(acknowledgements, sender, sent, replyTo, new TensorSent(request.Label, transferId), cancel);
                }

                transferId++;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The link is stopping.
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or ArgumentException or System.Security.Authentication.AuthenticationException)
        {
            self.Tell(new Failed($"the tensor channel to {_peer} ({endpoint.Host}:{endpoint.Port}) failed: {e.Message}", e));
        }
        finally
        {
            if (sender is not null)
            {
                await sender.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Tells <paramref name="replyTo"/> once the peer holds every chunk, after the transfers before it (acks come back in order).</summary>
    private static async Task ReplyWhenAcknowledgedAsync(Task previous, TensorChannelSender sender, long chunks, IActorRef replyTo, TensorSent sent, CancellationToken cancel)
    {
        try
        {
            await previous.ConfigureAwait(false);
            await sender.WhenAcknowledgedAsync(chunks, cancel).ConfigureAwait(false);
            replyTo.Tell(sent);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The pump reports a failed channel; a transfer that never completes gets no reply.
        }
    }

    private sealed record Failed(string Reason, Exception Cause) : INoSerializationVerificationNeeded;
}
