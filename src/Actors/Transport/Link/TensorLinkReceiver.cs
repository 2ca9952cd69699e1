using System.Buffers;
using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Transport.Link;

/// <summary>
/// The receiving end of every link into this node: one <see cref="TensorReassemblyTable"/> per
/// sending link actor (acks are cumulative per link), each chunk acknowledged as soon as it is in
/// its tensor, complete tensors handed to <c>deliverTo</c> as <see cref="TensorReceived"/>.
/// Malformed, inconsistent and duplicate chunks are logged and dropped; they never stop the actor.
/// When a sender stops, its unfinished transfers are abandoned and their gaps logged.
/// </summary>
public sealed class TensorLinkReceiver : ReceiveActor
{
    private readonly IActorRef _deliverTo;
    private readonly TransportSettings _settings;
    private readonly Dictionary<IActorRef, TensorReassemblyTable> _links = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public TensorLinkReceiver(IActorRef deliverTo, TransportSettings settings)
    {
        _deliverTo = deliverTo;
        _settings = settings;
        Receive<TensorChunk>(OnChunk);
        Receive<Terminated>(OnSenderGone);
    }

    protected override void PostStop()
    {
        foreach (var table in _links.Values)
        {
            table.Dispose();
        }

        _links.Clear();
    }

    private void OnChunk(TensorChunk chunk)
    {
        if (!_links.TryGetValue(Sender, out var table))
        {
            table = new TensorReassemblyTable(ArrayPool<float>.Shared, _settings.MaxTensorElements, _settings.MaxActiveTransfers);
            _links.Add(Sender, table);
            Context.Watch(Sender);
        }

        var step = table.Accept(chunk);
        Sender.Tell(new ChunksAcknowledged(table.ReceivedChunks));
        switch (step.Result.Outcome)
        {
            case ChunkOutcome.Rejected:
                _log.Warning("Rejected a chunk from {0}: {1}", Sender, step.Result.Reason);
                break;
            case ChunkOutcome.Duplicate:
                _log.Warning("Dropped a duplicate chunk from {0}: {1}", Sender, step.Result.Reason);
                break;
            case ChunkOutcome.Completed:
                _deliverTo.Tell(new TensorReceived(step.Label, step.Tensor!, Sender));
                break;
        }
    }

    private void OnSenderGone(Terminated terminated)
    {
        if (_links.Remove(terminated.ActorRef, out var table))
        {
            foreach (var gaps in table.DescribeIncomplete())
            {
                _log.Warning("Link from {0} closed with an unfinished {1}", terminated.ActorRef, gaps);
            }

            table.Dispose();
        }
    }
}
