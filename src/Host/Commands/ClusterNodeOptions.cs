using CyclicActors.Actors.Cluster;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>The flags every cluster node (cyclic seed, cyclic member) takes, turned into a <see cref="NodeLaunch"/>.</summary>
internal static class ClusterNodeOptions
{
    public static IReadOnlyList<OptionSpec> Specs(string defaultPort) =>
    [
        new("host", "HOST", "address this node listens on and other nodes reach it at", "127.0.0.1"),
        new("port", "PORT", "port this node listens on (0: any free port)", defaultPort),
        new("seed-node", "ADDR", "akka.tcp://cyclic@HOST:PORT of a seed; repeat for several, in the same order on every node", null, Repeatable: true),
        new("roles", "R1,R2", "extra cluster roles of this node; on a member, reducer places the stage reducers there (see --workers-per-node 0)"),
        new("config", "FILE", "HOCON laid over hocon/reference.conf, remote.conf and cluster.conf; on the seed its cyclic-actors.training { model = cnn, workers = 4, ... } sets training options (flags win)"),
        new("profile", "FILE", "HOCON profile laid under --config; repeat for several, later ones win", null, Repeatable: true),
    ];

    public static NodeLaunch From(ParsedOptions o, int defaultPort, IReadOnlyList<string> seedNodes, IEnumerable<string> requiredRoles, string? commandLineHocon = null)
    {
        var roles = requiredRoles.Concat((o.String("roles") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return new NodeLaunch
        {
            Host = o.String("host", "127.0.0.1"),
            Port = o.Int("port", defaultPort, 0, 65535),
            SeedNodes = seedNodes,
            Roles = roles,
            ProfileFiles = o.All("profile"),
            ConfigFile = o.String("config"),
            CommandLineHocon = commandLineHocon,
        };
    }
}
