using Akka.Actor;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Where a member's tensor listener hands complete tensors, straight from its connection threads to
/// the inbox of their kind, with no actor in between. Open while the node has a part in a run;
/// before and after, arrivals are refused (the caller returns the buffer and logs it). Safe across threads.
/// </summary>
internal sealed class ChannelRoutes
{
    private volatile Inboxes? _inboxes;

    public void Open(IActorRef gradients, IActorRef parameters) => _inboxes = new Inboxes(gradients, parameters);

    public void Close() => _inboxes = null;

    /// <summary>Hands <paramref name="tensor"/> to its inbox; returns false (and disposes it) when no part of a run is open.</summary>
    public bool Deliver(TensorKind kind, TransferLabel label, PooledTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (_inboxes is not { } inboxes)
        {
            tensor.Dispose();
            return false;
        }

        (kind == TensorKind.Gradient ? inboxes.Gradients : inboxes.Parameters).Tell(new TensorReceived(label, tensor, ActorRefs.Nobody));
        return true;
    }

    private sealed record Inboxes(IActorRef Gradients, IActorRef Parameters);
}
