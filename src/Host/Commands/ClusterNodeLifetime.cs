using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Settings;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>Starts a cluster node's ActorSystem from a launch, and leaves the cluster cleanly at the end.</summary>
internal static class ClusterNodeLifetime
{
    public static ActorSystem Start(NodeLaunch launch) => Start(Compose(launch));

    public static ActorSystem Start(Config config) => ActorSystem.Create(CyclicSettings.From(config).SystemName, config);

    /// <summary>The node's checked configuration; a bad key or file is a usage error.</summary>
    public static Config Compose(NodeLaunch launch)
    {
        try
        {
            return ClusterConfiguration.Compose(launch);
        }
        catch (Exception e) when (e is ConfigurationException or IOException)
        {
            // A --config or --profile file that is missing or malformed is a bad flag, as on the seed.
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Leaves the cluster (CoordinatedShutdown: leave, exit, terminate) within a bounded time.</summary>
    public static void Leave(ActorSystem system)
    {
        CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).Wait(TimeSpan.FromSeconds(30));
        system.WhenTerminated.Wait(TimeSpan.FromSeconds(30));
    }
}
