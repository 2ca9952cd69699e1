using Akka.Actor;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Stands in, on this node, for a worker or reducer that runs on another node. Stage tensors
/// (a gradient for a remote reducer, a publication for a remote worker) go through the tensor link
/// to that node in bounded chunks; every other message goes to the actor at <c>path</c> with the
/// original sender. Workers and reducers address ranks and stages by sibling name (../worker-3)
/// or by a reference per stage, so relays let the one-process actors run unchanged across nodes.
/// </summary>
public sealed class RemoteRelay : UntypedActor
{
    private readonly ActorSelection _target;
    private readonly IActorRef _link;
    private readonly int _rank;

    /// <param name="path">The real worker or reducer on the other node.</param>
    /// <param name="link">This node's tensor link to that node, for the kind of tensor the relay carries.</param>
    /// <param name="rank">The remote worker's rank (for a worker relay; ignored by reducer relays).</param>
    public RemoteRelay(string path, IActorRef link, int rank)
    {
        _target = Context.ActorSelection(path);
        _link = link;
        _rank = rank;
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case GradientContributed gradient:
                _link.Tell(new SendTensor(new TransferLabel(gradient.Step, gradient.Stage, gradient.Rank), gradient.Gradient, ReplyTo: null));
                break;
            case ParametersPublished published:
                // One transfer per publication: parameters, then momentum (empty without look-ahead).
                var both = new float[published.Parameters.Length + published.Momentum.Length];
                published.Parameters.CopyTo(both, 0);
                published.Momentum.CopyTo(both, published.Parameters.Length);
                _link.Tell(new SendTensor(new TransferLabel(published.Version, published.Stage, _rank), both, ReplyTo: null));
                break;
            default:
                _target.Tell(message, Sender);
                break;
        }
    }
}
