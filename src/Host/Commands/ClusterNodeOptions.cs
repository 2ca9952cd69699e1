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
        new("seed-node", "ADDR", "akka.tcp://cyclic@HOST:PORT of a seed (akka.ssl.tcp:// with TLS on); repeat for several, in the same order on every node", null, Repeatable: true),
        new("roles", "R1,R2", "extra cluster roles of this node; on a member, reducer places the stage reducers there (see --workers-per-node 0)"),
        new("config", "FILE", "HOCON laid over hocon/reference.conf, remote.conf and cluster.conf; on the seed its cyclic-actors.training { model = cnn, workers = 4, ... } sets training options (flags win)"),
        new("tls", "DIR", "mutual TLS with the node directory from `cyclic certs issue` (node.crt, node.key, ca.crt): only nodes with certificates of the same CA get in, on Akka.Remote and the tensor channel (cyclic-actors.security.tls-directory)"),
        new("profile", "FILE", "HOCON profile laid under --config; repeat for several, later ones win", null, Repeatable: true),
    ];

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public static NodeLaunch From(ParsedOptions o, int defaultPort, IReadOnlyList<string> seedNodes, IEnumerable<string> requiredRoles, string? commandLineHocon = null)
    {
        var roles = requiredRoles.Concat((o.String("roles") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        var port = o.Int("port", defaultPort, 0, 65535);
        return new NodeLaunch
        {
            Host = ListenHost.Check(o.String("host", "127.0.0.1"), port),
            Port = port,
            SeedNodes = seedNodes,
            Roles = roles,
            ProfileFiles = o.All("profile"),
            ConfigFile = o.String("config"),
            CommandLineHocon = o.String("tls") is { } tls
                ? $"{Actors.Security.ClusterTls.DirectoryKey} = {Quote(tls)}\n{commandLineHocon}"
                : commandLineHocon,
        };
    }
}
