using Akka.Actor;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Stands in, on this node, for a worker or reducer that runs on another node: everything it
/// receives goes to the actor at <c>path</c>, with the original sender. Workers and reducers address
/// ranks and stages by sibling name (../worker-3) or by a reference per stage, so relays let the
/// one-process actors run unchanged across nodes.
/// </summary>
public sealed class RemoteRelay : UntypedActor
{
    private readonly ActorSelection _target;

    public RemoteRelay(string path)
    {
        _target = Context.ActorSelection(path);
    }

    protected override void OnReceive(object message) => _target.Tell(message, Sender);
}
