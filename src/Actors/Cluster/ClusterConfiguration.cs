using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Builds a cluster node's configuration, highest priority first: command-line flags, --config
/// FILE, profiles, hocon/cluster.conf, hocon/remote.conf, hocon/reference.conf. Every layer is
/// checked at start (seed addresses, files, the frame limit against the chunk size), so a node
/// with a bad configuration fails before it joins, with the key or file named.
/// </summary>
public static class ClusterConfiguration
{
    public static Config Remote { get; } = ConfigurationFactory.ParseString(ReadResource("CyclicActors.remote.conf"));

    public static Config Cluster { get; } = ConfigurationFactory.ParseString(ReadResource("CyclicActors.cluster.conf"));

    /// <summary>The defaults of every cluster node (no launch-specific layer).</summary>
    public static Config Defaults { get; } = Cluster.WithFallback(Remote).WithFallback(CyclicSettings.Reference);

    public static Config Compose(NodeLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var config = FileLayers(launch).WithFallback(Defaults);

        if (launch.CommandLineHocon is not null)
        {
            config = ConfigurationFactory.ParseString(launch.CommandLineHocon).WithFallback(config);
        }

        if (Security.ClusterTls.DirectoryIn(config) is not null)
        {
            config = Security.ClusterTls.Hocon.WithFallback(config);
        }

        var systemName = CyclicSettings.From(config).SystemName;
        if (launch.Port is < 0 or > 65535)
        {
            throw new ConfigurationException($"Port {launch.Port} is outside 0..65535.");
        }

        // The transport's protocol is akka.ssl.tcp with TLS on: a seed address in the other one
        // names a transport this node does not have, and joining it would fail on every retry.
        var protocol = TlsSettings.From(config, launch.Host).Protocol;
        var seeds = launch.SeedNodes.Select(seed => ParseSeedNode(seed, systemName, protocol).ToString()).ToArray();

        var endpoint = ConfigurationFactory.ParseString($"""
            akka.remote.dot-netty.tcp.hostname = {Quote(launch.Host)}
            akka.remote.dot-netty.tcp.port = {launch.Port}
            akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(Quote))}]
            akka.cluster.roles = [{string.Join(", ", launch.Roles.Select(Quote))}]
            """);
        config = endpoint.WithFallback(config);
        TransportSettings.From(config);
        ClusterNodeSettings.From(config);
        return config;
    }

    /// <summary>
    /// Parses PROTOCOL://SYSTEM@HOST:PORT, checking that the protocol is the one this node speaks
    /// (<paramref name="protocol"/>: akka.tcp, or akka.ssl.tcp with TLS on), the system name, host and port.
    /// </summary>
    public static Address ParseSeedNode(string text, string systemName, string protocol)
    {
        ArgumentNullException.ThrowIfNull(text);
        Address address;
        try
        {
            address = Address.Parse(text);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            throw new ConfigurationException($"Seed node '{text}' is not an address like {protocol}://{systemName}@HOST:PORT ({e.Message}).");
        }

        if (address.Protocol != protocol)
        {
            throw new ConfigurationException(address.Protocol is TlsSettings.PlainProtocol or TlsSettings.SecureProtocol
                ? $"Seed node '{text}' uses {address.Protocol}, but this node speaks {protocol} ({TransportSettings.SslKey} is {(protocol == TlsSettings.SecureProtocol ? "on" : "off")}); give every node the same TLS setting and seed addresses starting {protocol}://."
                : $"Seed node '{text}' uses protocol '{address.Protocol}'; this node speaks {protocol} ({TlsSettings.PlainProtocol}, or {TlsSettings.SecureProtocol} with {TransportSettings.SslKey} on).");
        }

        if (address.System != systemName)
        {
            throw new ConfigurationException($"Seed node '{text}' names system '{address.System}'; this node's system is '{systemName}' (cyclic-actors.system-name), and Akka only joins nodes of the same name.");
        }

        if (string.IsNullOrEmpty(address.Host) || address.Port is not (> 0 and <= 65535))
        {
            throw new ConfigurationException($"Seed node '{text}' needs a host and a port between 1 and 65535.");
        }

        return address;
    }

    /// <summary>Only what the launch's files say: the profiles, then the --config file, each over the one before.</summary>
    public static Config FileLayers(NodeLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var config = Config.Empty;
        foreach (var file in launch.ProfileFiles.Concat(launch.ConfigFile is null ? [] : [launch.ConfigFile]))
        {
            config = HoconFile.Parse(file).WithFallback(config);
        }

        return config;
    }

    // HOCON accepts JSON strings, and JSON escaping covers every character a host or role may hold.
    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string ReadResource(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new ConfigurationException($"The embedded resource {name} is missing from {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
