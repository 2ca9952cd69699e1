namespace CyclicActors.Actors.Cluster;

/// <summary>
/// How a cluster node is started (from cyclic seed/member flags): where it listens, which seeds it
/// joins, its roles, and the HOCON files laid over the defaults (profiles first, then the
/// <see cref="ConfigFile"/>, each overriding the one before).
/// </summary>
public sealed record NodeLaunch
{
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 lets the OS choose (members); a seed needs a known port.</summary>
    public int Port { get; init; }

    /// <summary>akka.tcp://SYSTEM@HOST:PORT (akka.ssl.tcp:// with TLS on) of each seed, in the same order on every node.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>
    /// This node is the first seed: its own address, in the protocol its configuration makes it
    /// speak (known only once the files are read), heads <see cref="SeedNodes"/>.
    /// </summary>
    public bool OwnSeed { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    public IReadOnlyList<string> ProfileFiles { get; init; } = [];

    public string? ConfigFile { get; init; }

    /// <summary>HOCON from other command-line flags (e.g. workers per node), above every file.</summary>
    public string? CommandLineHocon { get; init; }
}
