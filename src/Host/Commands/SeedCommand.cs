using CyclicActors.Actors.Planning;
using System.Globalization;
using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Settings;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Reporting;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `cyclic seed`: starts the first node of a training cluster and its coordinator. Takes the
/// training options of `cyclic train` once and sends them to the members; starts when members
/// offer all --workers workers, or at the join timeout with fewer when --min-workers allows (else
/// fails, naming who is missing); writes the same summary as `train` for the world size it trained
/// with; exits 0 after the members left. Stopped by SIGINT or SIGTERM before that, it tells every
/// member why, leaves the cluster, writes nothing and exits 130 or 143.
/// </summary>
internal static class SeedCommand
{
    public const string Summary = "start a training cluster: coordinator on this node, workers on the members that join";

    private static readonly HashSet<string> NotForClusters = ["engine", "backend", "memory-budget", "config", "help"];

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        .. TrainOptions.Specs.Where(spec => !NotForClusters.Contains(spec.Name)),
        new("on-member-loss", "WHAT", "continue (roll every survivor back to the newest cut and re-form the run: a replacement that joins within --replace-timeout takes the lost ranks, else it goes on with fewer workers, down to --min-workers) | fail (end the run, exit 1)", "continue (cyclic-actors.cluster.on-member-loss)"),
        new("replace-timeout", "DURATION", "with --on-member-loss continue: how long a re-formed run waits for a replacement before it shrinks (e.g. 60s, 5m)", "60s (cyclic-actors.cluster.replace-timeout)"),
        new("min-workers", "M", "elastic start: when the join timeout expires with fewer than --workers admitted, start with the largest count >= M the rule accepts (CDP: a divisor of 2L)", "--workers (cyclic-actors.cluster.min-workers)"),
        .. ClusterNodeOptions.Specs("4053"),
        new("help", null, "show this help"),
    ];

    public static int Run(ParsedOptions parsed)
    {
        parsed = TrainingHocon.Apply(parsed);
        var options = TrainOptions.From(parsed);
        TrainCommand.CheckCheckpointFlags(options, parsed);
        (options, var resume) = ResumeOptions.Prepare(options, parsed);
        var config = options.Config;
        var (trainSet, testSet, model, partition, layout, initial, order) = PreparedTraining.From(options);
        // Before any member joins: a CDP rule needs N dividing 2L (the message lists the valid N).
        UsageException.Wrap(() => CdpSchedule.Create(config.Workers, partition.StageCount, options.Rule, options.Freshness));
        int totalSteps = config.TotalSteps(order.StepsPerEpoch);
        var summary = new Dictionary<string, object?>();
        var resumeCut = ResumeOptions.LoadCut(resume, options, layout, order, totalSteps, trainSet, summary);

        // The reducers' cuts come to this seed; it writes them as train does.
        using var checkpoints = options.SaveDirectory is null ? null : new CheckpointQueue();
        var cutWriter = new CutCheckpoints(options, partition, layout, trainSet, totalSteps);
        // Evaluations while training: the metrics file is opened here, before the run, so they can write to it.
        if (options.PlotDirectory is { } plots)
        {
            PlotCommand.CheckDirectory("--plot", plots);
        }

        using var metrics = options.MetricsPath is null ? null : new MetricsWriter(options.MetricsPath);
        int evaluateEvery = options.EvaluateEvery ?? order.StepsPerEpoch;
        using var evaluations = evaluateEvery > 0 ? new EvaluationQueue(model, partition, testSet, order.StepsPerEpoch, metrics) : null;
        var actorOptions = new ActorTrainingOptions
        {
            Training = config, Rule = options.Rule, Freshness = options.Freshness, Compensation = options.Compensation, Pacing = options.Pacing, TracePath = options.TraceFile,
            Parallelism = options.Parallelism, Devices = options.Devices, ReducerShards = options.ReducerShards,
            Resume = resumeCut,
            OnNonFinite = options.OnNonFinite,
            SkippedSteps = new HashSet<int>(resumeCut?.SkippedSteps ?? []),
            CutEvery = options.CheckpointEvery,
            FinalCut = options.SaveDirectory is not null,
            EvaluateEvery = evaluateEvery,
            OnCut = checkpoints is null && evaluations is null ? null : cut =>
                {
                    if (evaluations is not null && cut.Step % evaluateEvery == 0 && cut.Step < totalSteps)
                    {
                        evaluations.Enqueue(cut.Step, [.. cut.Stages.SelectMany(stage => stage.Parameters)]);
                    }

                    if (checkpoints is not null && cutWriter.Wanted(cut.Step))
                    {
                        checkpoints.Enqueue(cut.Step, () => cutWriter.Write(cut));
                    }
                },
        };
        var launch = SeedLaunch(parsed, config.Workers);

        var nodeConfig = ClusterNodeLifetime.Compose(launch);
        using var signals = new StopSignals();
        var system = ClusterNodeLifetime.Start(nodeConfig);
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (launch.SeedNodes.Count == 0)
        {
            // Its own seed, at the address it really listens on (--port 0: a port the OS chose).
            cluster.Join(cluster.SelfAddress);
        }

        var stopRequested = signals.Requested.ContinueWith(signal => $"the seed {cluster.SelfAddress} was stopped by {signal.Result}.", TaskScheduler.Default);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {cluster.SelfAddress}: {model.Name} ({model.ParameterCount:N0} parameters, stages {partition}) on {trainSet}; rule {options.Rule.ToCliName()}, compensation {options.Compensation.ToCliName()}, parallelism {options.Parallelism.ToCliName()}, {config.Workers} x {config.MicroBatch} per step; waiting for members to offer {config.Workers} workers{ElasticNote(system, config.Workers)}"));

        ClusterRunResult result;
        try
        {
            var board = new ClusterProgressBoard();
            var progress = new ProgressReporter(options.Quiet ? false : null, () => string.Join("  ", new[] { ClusterProgressReport.Describe(board.Current), evaluations?.Describe() ?? "" }.Where(part => part.Length > 0)));
            result = progress.Run($"{model.Name} {options.Rule.ToCliName()} (cluster)", totalSteps, report => ClusterRun.SeedAsync(system, actorOptions, trainSet, initial, m =>
            {
                if (!options.Quiet)
                {
                    report(m);
                }

                metrics?.Write(m, ClusterProgressReport.MetricsFields(board.Current));
            }, progress: board, stopRequested: stopRequested, onReformed: reformed =>
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{reformed.Reason} The run re-forms (round {reformed.Round}) from step {reformed.Step}: every survivor rolls back to that cut; a member that joins within {reformed.ReplaceTimeout.TotalSeconds:0.###} s takes the lost ranks."));
                summary["rounds"] = reformed.Round + 1;
            }).GetAwaiter().GetResult());
            WaitForMembersToLeave(system, TimeSpan.FromSeconds(30), giveUpWhen: signals.Requested);
        }
        catch (OperationCanceledException) when (signals.IsRequested)
        {
            // The members were told; they leave first, so that they hear the seed's reason rather than see it go.
            WaitForMembersToLeave(system, TimeSpan.FromSeconds(3));
            return Stopped(signals);
        }
        catch (OperationCanceledException e)
        {
            // Not a signal: the cluster removed this node during the run (the message says why).
            Console.Error.WriteLine($"cyclic: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or ArgumentException or Akka.Configuration.ConfigurationException)
        {
            Console.Error.WriteLine($"cyclic: {e.Message}");
            return 1;
        }
        finally
        {
            ClusterNodeLifetime.Leave(system);
        }

        // From here on a signal ends the process at once, as it ends `train`: the result files are
        // written whole or not at all.
        signals.Dispose();
        if (signals.IsRequested)
        {
            // Stopped after the last step, while the members were leaving: still nothing is written.
            return Stopped(signals);
        }

        if (result.Workers != config.Workers)
        {
            // An elastic start: the summary, data order and checkpoint describe the run that happened.
            options = options with { Config = config with { Workers = result.Workers } };
            order = new DataOrder(config.Seed, trainSet.Count, config.MicroBatch, result.Workers);
        }

        foreach (var node in result.Nodes)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"member {node.Node} ({ClusterPlacement.Describe(result.Plan, node.Node)}): peak activations {node.PeakActivationBytes:N0} bytes, memory pool peak {node.ReservedPeakBytes:N0} bytes reserved; tensor bytes sent {string.Join(", ", node.Peers.Zip(node.BytesSent, (peer, bytes) => $"{bytes:N0} to {peer}"))}"));
        }

        foreach (var (link, bytes) in Links(result.Nodes))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"link {link.From} -> {link.To}: {bytes:N0} tensor bytes"));
        }

        if (result.Training.TracePath is { } tracePath)
        {
            Console.WriteLine($"trace of {result.Nodes.Count} members written to {tracePath} (open in https://ui.perfetto.dev)");
        }

        if (result.TraceMissing.Count > 0)
        {
            Console.Error.WriteLine($"cyclic: warning: the trace has nothing from {string.Join(", ", result.TraceMissing)} (no complete trace arrived within cyclic-actors.cluster.trace-timeout)");
        }

        return TrainCommand.Plotted(options, options.Rule.ToCliName(), metrics,
            Report(options, result, model, partition, layout, order, trainSet, testSet, summary, checkpoints, evaluations?.Complete()));
    }

    private static int Stopped(StopSignals signals)
    {
        Console.Error.WriteLine($"cyclic: stopped by {signals.Requested.Result}; the members were told, and no result was written");
        return signals.ExitCode;
    }

    private static Actors.Cluster.NodeLaunch SeedLaunch(ParsedOptions parsed, int workers)
    {
        var hocon = new List<string>();
        if (parsed.Has("min-workers"))
        {
            var min = parsed.Int("min-workers", workers);
            hocon.Add(min >= 1 && min <= workers
                ? $"cyclic-actors.cluster.min-workers = {min}"
                : throw new UsageException($"--min-workers {min} must be between 1 and --workers {workers}"));
        }

        if (parsed.String("on-member-loss") is { } onLoss)
        {
            hocon.Add(onLoss is "continue" or "fail"
                ? $"cyclic-actors.cluster.on-member-loss = {onLoss}"
                : throw new UsageException($"--on-member-loss {onLoss}: expected continue or fail"));
        }

        if (parsed.String("replace-timeout") is { } timeout)
        {
            hocon.Add(System.Text.RegularExpressions.Regex.IsMatch(timeout, @"^\d+(\.\d+)?\s*(ms|s|m|h)$")
                ? $"cyclic-actors.cluster.replace-timeout = {timeout}"
                : throw new UsageException($"--replace-timeout {timeout}: expected a duration such as 30s, 5m or 500ms"));
        }

        // No --seed-node: the seed joins itself once it listens (see Run), so that --port 0 works too.
        return ClusterNodeOptions.From(parsed, 4053, parsed.All("seed-node"), [CoordinatorSingleton.Role], hocon.Count == 0 ? null : string.Join("\n", hocon));
    }

    private static string ElasticNote(ActorSystem system, int workers)
    {
        var cluster = ClusterNodeSettings.From(system.Settings.Config);
        return cluster.MinWorkers is int min && min < workers
            ? string.Create(CultureInfo.InvariantCulture, $" (or at least {min} when the join timeout of {cluster.JoinTimeout.TotalSeconds:0.###} s expires first)")
            : string.Empty;
    }

    // Members leave when told the run is over; the seed goes last so that they still reach it.
    private static void WaitForMembersToLeave(ActorSystem system, TimeSpan limit, Task? giveUpWhen = null)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline && giveUpWhen?.IsCompleted != true && cluster.State.Members.Any(member => !member.Address.Equals(cluster.SelfAddress)))
        {
            Thread.Sleep(100);
        }
    }

    private static int Report(TrainOptions options, ClusterRunResult run, ModelDefinition model, StagePartition partition, ParameterLayout layout,
        DataOrder order, Dataset trainSet, Dataset testSet, Dictionary<string, object?> summary, CheckpointQueue? checkpoints,
        IReadOnlyList<EvaluationQueue.Evaluation>? evaluations)
    {
        using var backend = new GpuCompute.Cpu.CpuBackend();
        var nodes = run.Nodes.Select(node => new Dictionary<string, object?>
        {
            ["node"] = node.Node,
            ["ranks"] = ClusterPlacement.PartOf(run.Plan, node.Node).Ranks,
            ["reducer_stages"] = ClusterPlacement.PartOf(run.Plan, node.Node).Stages,
            ["peak_activation_bytes"] = node.PeakActivationBytes,
            ["reserved_peak_bytes"] = node.ReservedPeakBytes,
            ["tensor_bytes_sent"] = node.Peers.Zip(node.BytesSent).ToDictionary(pair => pair.First, pair => (object?)pair.Second),
        }).ToArray();
        var links = Links(run.Nodes).Select(link => new Dictionary<string, object?>
        {
            ["from"] = link.Link.From,
            ["to"] = link.Link.To,
            ["tensor_bytes_sent"] = link.Bytes,
        }).ToArray();
        summary["contributions"] = RunReport.Contributions(run.Training.Contributions);
        summary["on_nonfinite"] = options.OnNonFinite.ToCliName();
        summary["skipped_steps"] = run.Training.SkippedSteps;
        summary["nodes"] = nodes;
        summary["links"] = links;
        PlacementReport.Add(options.Parallelism, run.Training, summary);
        return RunReport.Finish(options, "cluster", "members", options.Compensation.ToCliName(), model, partition, layout, order, trainSet, testSet, backend, run.Training.Outcome,
            summary, checkpoints is null ? null : () => CheckpointWrites.Complete(checkpoints, summary), evaluations);
    }

    /// <summary>Every member-to-member link with the tensor bytes sent over it.</summary>
    private static IEnumerable<((string From, string To) Link, long Bytes)> Links(IReadOnlyList<NodeStatistics> nodes) =>
        nodes.SelectMany(node => node.Peers.Zip(node.BytesSent, (peer, bytes) => ((node.Node, peer), bytes)));
}
