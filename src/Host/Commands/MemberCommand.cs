using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Settings;
using CyclicActors.GpuCompute;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `cyclic member`: reads this machine's own --data, joins a seed's cluster, takes part in its run
/// with --workers-per-node workers, and exits 0 when the seed ends the run or says it is not needed
/// (1 when refused or failed, or when no seed answers; 130/143 when stopped by SIGINT/SIGTERM,
/// after telling the seed). With --roles reducer it holds stage reducers, and with
/// --workers-per-node 0 only those (a reducer-only node).
/// </summary>
internal static class MemberCommand
{
    public const string Summary = "join a training cluster and run workers and reducers on this machine";

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        .. ClusterNodeOptions.Specs("0"),
        new("workers-per-node", "N", "workers this member runs (they take consecutive ranks); 0 with --roles reducer: a reducer-only node", "2 (cyclic-actors.cluster.workers-per-node)"),
        new("tensor-port", "PORT", "port this member's tensor channels listen on, on --host (0: any free port)", "0 (cyclic-actors.transport.channel-port)"),
        new("data", "DIR", "this machine's copy of the training data (the seed sends only sample indices)", "data/mnist (bundled)"),
        new("backend", "B", "auto | cpu | cuda", "auto"),
        new("help", null, "show this help"),
    ];

    public static int Run(ParsedOptions o)
    {
        var seeds = o.All("seed-node");
        if (seeds.Count == 0)
        {
            throw new UsageException("cyclic member needs --seed-node akka.tcp://cyclic@HOST:PORT (the seed's address)");
        }

        var perNode = o.Has("workers-per-node") ? $"cyclic-actors.cluster.workers-per-node = {o.Int("workers-per-node", 2, 0, 1024)}" : null;
        var tensorPort = o.Has("tensor-port") ? $"{TransportSettings.ChannelPortKey} = {o.Int("tensor-port", 0, 0, 65535)}" : null;
        var flags = string.Join('\n', new[] { perNode, tensorPort }.OfType<string>());
        var launch = ClusterNodeOptions.From(o, 0, seeds, ["worker"], flags.Length == 0 ? null : flags);
        if (launch.Roles.Contains(CoordinatorSingleton.Role))
        {
            throw new UsageException($"--roles {CoordinatorSingleton.Role} is the seed's role: a cluster has one coordinator, on its seed (cyclic seed)");
        }

        var dataDirectory = DataLocator.Resolve(o.String("data"));
        using var backends = BackendFactory.Resolve(BackendChoices.Parse(o.Choice("backend", "auto", "auto", "cpu", "cuda")));
        var config = ClusterNodeLifetime.Compose(launch);
        var workers = ClusterNodeSettings.From(config).WorkersPerNode;
        if (workers == 0 && !launch.Roles.Contains(ClusterPlacement.ReducerRole))
        {
            throw new UsageException($"--workers-per-node 0 needs --roles {ClusterPlacement.ReducerRole}: a member without workers can only hold stage reducers");
        }

        // Before any network activity: a bad --data is one line here, not a failed part after joining.
        var data = DataLocator.Load(dataDirectory, train: true);
        using var signals = new StopSignals();
        var system = ClusterNodeLifetime.Start(config);

        Console.WriteLine($"member {Akka.Cluster.Cluster.Get(system).SelfAddress}: {workers} workers, data {dataDirectory}, {backends.SelectionLine}; joining {string.Join(", ", seeds)}");
        MemberOutcome outcome;
        try
        {
            outcome = ClusterRun.MemberAsync(system, workers, () => data, backendFactory: backends.CreateForRank, reducerBackendFactory: backends.CreateHost, devicePool: backends.DevicePool, warmUpBackend: backends.CreateIsolated,
                onAdmitted: ranks => Console.WriteLine(ranks.Length == 0 ? "member: admitted as a reducer-only node" : $"member: admitted with ranks {string.Join(",", ranks)}"),
                stopRequested: signals.Requested.ContinueWith(signal => $"stopped by {signal.Result}", TaskScheduler.Default)).GetAwaiter().GetResult();
        }
        finally
        {
            ClusterNodeLifetime.Leave(system);
        }

        Console.WriteLine($"member: {outcome.Message}");
        if (!outcome.Succeeded)
        {
            Console.Error.WriteLine($"cyclic: {outcome.Message}");
        }

        return outcome.Succeeded ? 0 : signals.IsRequested ? signals.ExitCode : 1;
    }
}
