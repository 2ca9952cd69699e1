using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using Akka.Remote.Transport;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Fault injection's pulled cable: this node blackholes its cluster links to every other node, both
/// ways, through Akka's throttler transport adapter (akka.remote.dot-netty.tcp.applied-adapters =
/// [trttl]). The others then see it unreachable and the split-brain resolver decides, as for a real
/// cut; without the adapter the cut cannot be made and says so.
/// </summary>
internal static class LinkCut
{
    public static Action For(ActorSystem system, ILoggingAdapter log) => () =>
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)system).Provider).Transport;
        foreach (var member in cluster.State.Members.Where(member => !member.Address.Equals(cluster.SelfAddress)))
        {
            transport.ManagementCommand(new SetThrottle(member.Address, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)).ContinueWith(
                cut =>
                {
                    if (!cut.IsCompletedSuccessfully || !cut.Result)
                    {
                        log.Error("Fault injection could not cut the link to {0}: {1}", member.Address,
                            cut.IsCompletedSuccessfully ? "no throttler (set akka.remote.dot-netty.tcp.applied-adapters = [trttl] on this node)" : cut.Exception?.GetBaseException().Message);
                    }
                },
                TaskScheduler.Default);
        }
    };
}
