using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Bench.Transport;

/// <summary>Local request to the sender actor: send these chunks and complete when all are acknowledged.</summary>
internal sealed record SendTensor(IReadOnlyList<TensorChunk> Chunks, TaskCompletionSource Done);

/// <summary>
/// The sending end of one Akka.Remote link: chunks leave as the flow-control window's credits
/// allow; cumulative acks from the receiver free credits and complete transfers.
/// </summary>
internal sealed class ChunkSenderActor : ReceiveActor
{
    private readonly IActorRef _receiver;
    private readonly ChunkSendQueue<TensorChunk> _queue;
    private readonly Queue<(long Target, TaskCompletionSource Done)> _pending = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _enqueued;

    public ChunkSenderActor(IActorRef receiver, int windowChunks)
    {
        _receiver = receiver;
        _queue = new ChunkSendQueue<TensorChunk>(windowChunks);
        Receive<SendTensor>(OnSend);
        Receive<ChunksAcknowledged>(OnAck);
    }

    private void OnSend(SendTensor request)
    {
        _enqueued += request.Chunks.Count;
        _pending.Enqueue((_enqueued, request.Done));
        Forward(_queue.Enqueue(request.Chunks));
    }

    private void OnAck(ChunksAcknowledged ack)
    {
        Forward(_queue.OnAcknowledged(ack.ReceivedChunks, out var outcome));
        if (outcome == AckOutcome.Invalid)
        {
            _log.Warning("Ignoring an ack of {0} chunks; only {1} were sent.", ack.ReceivedChunks, _queue.Window.Sent);
        }

        while (_pending.Count > 0 && _pending.Peek().Target <= _queue.Window.Acknowledged)
        {
            _pending.Dequeue().Done.TrySetResult();
        }
    }

    private void Forward(IReadOnlyList<TensorChunk> chunks)
    {
        foreach (var chunk in chunks)
        {
            _receiver.Tell(chunk, Self);
        }
    }
}
