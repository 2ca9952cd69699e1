using Akka.Actor;
using Akka.Cluster.Tools.Singleton;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Where the coordinator lives: a cluster singleton on the oldest node with role
/// <see cref="Role"/> (the seed), reached from every node through a proxy that buffers while the
/// singleton starts or moves.
/// </summary>
public static class CoordinatorSingleton
{
    public const string Role = "coordinator";

    public const string ManagerName = "coordinator";

    public static IActorRef Start(ActorSystem system, Props coordinator)
    {
        ArgumentNullException.ThrowIfNull(system);
        var settings = ClusterSingletonManagerSettings.Create(system).WithRole(Role);
        return system.ActorOf(ClusterSingletonManager.Props(coordinator, PoisonPill.Instance, settings), ManagerName);
    }

    public static IActorRef Proxy(ActorSystem system, string name = "coordinator-proxy")
    {
        ArgumentNullException.ThrowIfNull(system);
        var settings = ClusterSingletonProxySettings.Create(system).WithRole(Role);
        return system.ActorOf(ClusterSingletonProxy.Props($"/user/{ManagerName}", settings), name);
    }
}
