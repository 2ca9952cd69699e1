using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Settings;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>Starts a cluster node's ActorSystem from a launch, and leaves the cluster cleanly at the end.</summary>
internal static class ClusterNodeLifetime
{
    public static ActorSystem Start(NodeLaunch launch)
    {
        Config config;
        try
        {
            config = ClusterConfiguration.Compose(launch);
        }
        catch (ConfigurationException e)
        {
            throw new UsageException(e.Message);
        }

        return ActorSystem.Create(CyclicSettings.From(config).SystemName, config);
    }

    /// <summary>Leaves the cluster (CoordinatedShutdown: leave, exit, terminate) within a bounded time.</summary>
    public static void Leave(ActorSystem system)
    {
        CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).Wait(TimeSpan.FromSeconds(30));
        system.WhenTerminated.Wait(TimeSpan.FromSeconds(30));
    }
}
