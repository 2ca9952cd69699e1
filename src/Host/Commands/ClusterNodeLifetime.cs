using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Settings;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>A cluster node that cannot start (its port is in use); the message says why, in one line.</summary>
internal sealed class ClusterStartException(string message) : Exception(message);

/// <summary>Starts a cluster node's ActorSystem from a launch, and leaves the cluster cleanly at the end.</summary>
internal static class ClusterNodeLifetime
{
    private const string TransportPath = "akka.remote.dot-netty.tcp";

    /// <exception cref="ClusterStartException">The node's port is in use.</exception>
    public static ActorSystem Start(Config config)
    {
        var (host, port) = ListenEndpoint(config);
        if (PortCheck.Probe(host, port) == PortCheck.Outcome.HeldByClosingConnections)
        {
            // Only closing connections of a node stopped a moment ago hold the port: an exclusive bind
            // would fail for up to a minute, and no other listener can share it (the probe listened).
            config = ConfigurationFactory.ParseString($"{TransportPath}.tcp-reuse-addr = on").WithFallback(config);
        }

        WarnIfOpen(config, host);
        try
        {
            var name = CyclicSettings.From(config).SystemName;
            return Actors.Security.ClusterTls.DirectoryIn(config) is { } directory
                ? Actors.Security.ClusterTls.Load(directory).CreateSystem(name, config)
                : ActorSystem.Create(name, config);
        }
        catch (Exception e) when (IsAddressInUse(e))
        {
            // Another node took the port between the probe and the bind.
            throw new ClusterStartException(PortCheck.InUse(host, port));
        }
    }

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

    /// <summary>A node reachable from other machines without TLS says so, once: anyone who reaches its ports can join and read what it sends.</summary>
    private static void WarnIfOpen(Config config, string host)
    {
        var tls = Actors.Security.ClusterTls.DirectoryIn(config) is not null || config.GetBoolean(TransportPath + ".enable-ssl", false);
        var loopback = host == "localhost" || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));
        if (!tls && !loopback)
        {
            Console.Error.WriteLine($"cyclic: warning: this node listens on {host} without --tls: its cluster and tensor traffic is unauthenticated and unencrypted, and any host that reaches its ports can join (see docs/security.md)");
        }
    }

    /// <summary>Where Akka.Remote will listen: the bind host and port when set (behind NAT), else the advertised ones.</summary>
    private static (string Host, int Port) ListenEndpoint(Config config)
    {
        var host = config.GetString($"{TransportPath}.bind-hostname", string.Empty);
        var port = config.GetString($"{TransportPath}.bind-port", string.Empty);
        return (string.IsNullOrWhiteSpace(host) ? config.GetString($"{TransportPath}.hostname") : host,
            int.TryParse(port, out var bindPort) ? bindPort : config.GetInt($"{TransportPath}.port"));
    }

    private static bool IsAddressInUse(Exception e) => e switch
    {
        SocketException socket => socket.SocketErrorCode == SocketError.AddressAlreadyInUse,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsAddressInUse),
        _ => e.InnerException is { } inner && IsAddressInUse(inner),
    };
}
