using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Transport.Link;

/// <summary>
/// The sending end of one link (this node to one peer's <see cref="TensorLinkReceiver"/>) through
/// Akka.Remote: tensors are cut into chunks of the configured size and leave as the window's
/// credits allow; the peer's cumulative acks free credits and complete transfers in order.
/// Transfer ids count up per link, so the peer can tell transfers apart and spot duplicates.
/// </summary>
public sealed class TensorLinkSender : ReceiveActor
{
    private readonly ICanTell _peer;
    private readonly TransportSettings _settings;
    private readonly ChunkSendQueue<TensorChunk> _queue;
    private readonly Queue<(long TargetAcks, TensorSent Sent, IActorRef? ReplyTo)> _pending = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _nextTransferId;
    private long _enqueuedChunks;
    private long _payloadBytesSent;

    /// <param name="peer">The peer's receiver: a reference (watched: the link stops with it) or a selection.</param>
    public TensorLinkSender(ICanTell peer, TransportSettings settings)
    {
        _peer = peer;
        _settings = settings;
        _queue = new ChunkSendQueue<TensorChunk>(settings.WindowChunks);
        Receive<SendTensor>(OnSend);
        Receive<ChunksAcknowledged>(OnAcknowledged);
        Receive<LinkStatisticsRequested>(_ => Sender.Tell(new LinkStatistics(_payloadBytesSent, _queue.Window.Sent)));
        Receive<Terminated>(terminated => terminated.ActorRef.Equals(_peer), _ => OnPeerGone());
    }

    protected override void PreStart()
    {
        if (_peer is IActorRef actor)
        {
            Context.Watch(actor);
        }
    }

    private void OnSend(SendTensor request)
    {
        var transferId = _nextTransferId++;
        var chunks = TensorChunker.Split(transferId, request.Label, request.Tensor, _settings.ChunkBytes);
        _enqueuedChunks += chunks.Count;
        _pending.Enqueue((_enqueuedChunks, new TensorSent(request.Label, transferId), request.ReplyTo));
        Send(_queue.Enqueue(chunks));
    }

    private void OnAcknowledged(ChunksAcknowledged ack)
    {
        Send(_queue.OnAcknowledged(ack.ReceivedChunks, out var outcome));
        if (outcome == AckOutcome.Invalid)
        {
            _log.Warning("Ignoring an ack of {0} chunks from {1}: only {2} were sent on this link.", ack.ReceivedChunks, Sender, _queue.Window.Sent);
        }

        while (_pending.Count > 0 && _pending.Peek().TargetAcks <= _queue.Window.Acknowledged)
        {
            var (_, sent, replyTo) = _pending.Dequeue();
            replyTo?.Tell(sent);
        }
    }

    private void OnPeerGone()
    {
        _log.Warning("The peer {0} stopped with {1} transfers unfinished on this link.", _peer, _pending.Count);
        Context.Stop(Self);
    }

    private void Send(IReadOnlyList<TensorChunk> chunks)
    {
        foreach (var chunk in chunks)
        {
            _payloadBytesSent += chunk.Payload.Length;
            _peer.Tell(chunk, Self);
        }
    }
}
