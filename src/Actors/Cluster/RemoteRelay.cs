using Akka.Actor;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Stands in, on this node, for a worker or reducer that runs on another node. Stage tensors
/// (a gradient for a remote reducer, a publication for a remote worker) go to that node in bounded
/// chunks, gradients straight through the tensor link, publications through the node's
/// <see cref="PublicationForwarder"/>, which sends each one once per node; every other message goes to the actor at <c>path</c> with the
/// original sender. Workers and reducers address ranks and stages by sibling name (../worker-3)
/// or by a reference per stage, so relays let the one-process actors run unchanged across nodes.
/// </summary>
public sealed class RemoteRelay : UntypedActor
{
    private readonly ActorSelection _target;
    private readonly IActorRef _link;
    private readonly int _rank;

    /// <param name="path">The real worker or reducer on the other node.</param>
    /// <param name="link">For a reducer relay, this node's gradient link to that node; for a worker relay, the node's publication forwarder.</param>
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
                _link.Tell(new PublicationForRank(published, _rank));
                break;
            default:
                _target.Tell(message, Sender);
                break;
        }
    }
}
