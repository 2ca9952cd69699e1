namespace CyclicActors.Actors.Cluster;

/// <summary>
/// How a cluster node is started (from cyclic seed/member flags): where it listens, which seeds it
/// joins, its roles, and the HOCON files laid over the defaults (profiles first, then the
/// <see cref="ConfigFile"/>, each overriding the one before).
/// </summary>
public sealed record NodeLaunch
{
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 lets the OS choose; a seed on port 0 joins itself at the port it got and prints it.</summary>
    public int Port { get; init; }

    /// <summary>akka.tcp://SYSTEM@HOST:PORT (akka.ssl.tcp:// with TLS on) of each seed, in the same order on every node.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    public IReadOnlyList<string> Roles { get; init; } = [];

    public IReadOnlyList<string> ProfileFiles { get; init; } = [];

    public string? ConfigFile { get; init; }

    /// <summary>HOCON from other command-line flags (e.g. workers per node), above every file.</summary>
    public string? CommandLineHocon { get; init; }
}
