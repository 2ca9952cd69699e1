using System.Globalization;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Plan;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `cyclic plan`: predicts, with the discrete-event model of the runtime (<see cref="RuntimePlanner"/>),
/// what DP and each CDP rule would do on a layout and a network: step time, samples/s, memory per
/// machine, bytes per link and how bursty they are. See docs/planner.md.
/// </summary>
internal static class PlanCommand
{
    public const string Summary = "predict step time, memory and link traffic of DP and CDP on a layout and network (discrete-event model)";

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("model", "NAME|FILE", "mlp | mlp-deep | cnn | resnet-mini, or a model file (docs/models.md)", "cnn"),
        new("input", "CxHxW", "input shape of the preset", "1x28x28"),
        new("stages", "L", "model stages", "4"),
        new("partition", "P", "flops | activations | params | explicit layer counts like 3,4,2,1, as cyclic train takes it", "flops"),
        new("batch", "B", "samples per micro-batch, as cyclic train takes it", "8"),
        new("workers", "N", "workers (micro-batches per step)", "4"),
        new("machines", "K", "machines; the workers are spread over them in contiguous blocks, the stage reducers round-robin", "1"),
        new("rules", "LIST", "rules side by side: dp,cdp-v1,cdp-v2 (a CDP rule needs N dividing 2L)", "dp,cdp-v1,cdp-v2"),
        new("v2-rule", "F", "freshness rule for cdp-v2: schedule | paper-code", "schedule"),
        new("compensation", "C", "none | lookahead (CDP rules; look-ahead publishes the momentum too, doubling a publication)", "lookahead"),
        new("pacing", "P", "none | tick | budget: how a machine's workers keep the schedule's order", "budget"),
        new("costs", "run|profile|FILE", "run: trace a short run of the runtime on this machine (the workers of one planned machine, at most 16; the first planned CDP rule it can run, else dp) and read the costs from it; profile: time each stage's ops alone on this machine (quicker; misses the sharing of caches and memory bandwidth, and the actors' own CPU); or a Chrome trace of cyclic train --trace; or an earlier cyclic plan --json (its costs, replayed)", "run"),
        new("run-steps", "K", "with --costs run: steps of the short run (its first step, the warm-up, is not read)", "24"),
        new("trace-slots", "S", "with a --costs trace: the compute slots of the machine that recorded it; its spans are wall-clock time shared among the ops running at once, and are turned back into full-speed work with it (0: keep the spans as they are)", "this machine's cores"),
        new("trace-sharing", "process|host", "with a --costs trace: process: each of its processes had --trace-slots to itself; host: all of them shared one host's --trace-slots cores (emulated hosts, members started on one box)", "process"),
        new("backend", "B", "auto | cpu | cuda: the backend the short run or the profile measures", "cpu"),
        new("compute-slots", "S", "ops a machine computes at full speed at once (cores, or 1 per GPU; 0.5 for half a core, as when 4 processes share 2); 0: unlimited", "this machine's cores"),
        new("shared-cores", "C", "the machines are processes on one host with C cores (emulated hosts, members started on one box): every machine's ops, reducers and transport CPU, the seed's too, share those C slots instead of --compute-slots each; 0: separate machines", "0"),
        new("time-slice", "TIME|linux", "the OS scheduler's slice the compute slots are shared by: an op shorter than it runs whole before the next waiting op starts (and rents its buffers); linux: the kernel's default for the slots' cores (0.75 ms x (1 + log2 cores), cores counted up to 8); 0: processor sharing, every due op under way at once at a share of the speed (GPU kernels of several workers)", "linux; 0 when the backend measured is cuda"),
        new("op-buffers", "whole|timed", "how the pool model holds an op's buffers: whole: each at its most from the op's start to its end (an op's temporaries counted against every op under way beside it); timed: each rent and return at its moment inside the op, timed on this machine's CPU (faithful per op, so the simulated timeline's meetings alone decide the figure; docs/planner.md compares the two); a GPU backend always plans whole", "whole"),
        new("op-spread", "CV|trace", "how much an op's time varies run to run (coefficient of variation): above 0 the memory is the mean of 9 simulations whose op times vary so, since a pool keeps the worst meeting of the workers' ops; trace: each op's spread in the --costs trace (or the plan file's), 0 for a profile, which times each op alone; CV: every op that much", "trace"),
        new("reducer-slots", "shared|separate", "shared: the reducers' work takes the machine's compute slots (CPU); separate: it does not (reducers beside a GPU)", "shared"),
        new("bandwidth", "RATE", "per link: 100Mbit, 10Gbit, 1.25GB (bytes/s); 0 = unlimited", "0"),
        new("nic", "RATE", "per machine and direction: what all its links carry together at most (a reducer's machine receiving from all others); 0 = no cap", "0"),
        new("latency", "TIME", "one way, per chunk, acknowledgement and token crossing: 1ms, 50us", "0"),
        new("framing", "F|ethernet", "bytes on the wire per tensor byte, the packets' headers that --bandwidth and --nic count: ethernet = 1514/1448 (TCP, 1500-byte frames); 1 = the tensors at the full rate", "1"),
        new("chunk-size", "BYTES", "transport chunk (cyclic-actors.transport.chunk-bytes)", "1MiB"),
        new("window", "W", "chunks in flight per link (cyclic-actors.transport.window-chunks)", "8"),
        new("links", "pair|channel", "pair: gradients and parameters share one link per machine pair; channel: one per pair and kind, each with the full bandwidth (as bandwidth-limit paces them)", "pair"),
        new("reducer-shards", "S", "each stage's reducer split into S shards by parameter range, shard k of stage s on machine (s + k) mod K, as cyclic train --reducer-shards places them; 1: one reducer per stage", "1"),
        new("cut-every", "K", "with more than one machine: steps between the recovery cuts the reducers send the seed, a machine of its own on a link like the others (cyclic-actors.cluster.cut-every); 0: none, as under --on-member-loss fail", "10"),
        new("steps", "K", "steps simulated (the first quarter is warm-up; a link-bound CDP run needs a few dozen to fill its queues)", "48"),
        new("burst-window", "TIME", "window over which link burstiness (peak over mean) is measured", "step time / 20"),
        new("sweep-workers", "LIST", "plan each worker count: 4,8,16 (instead of --workers)"),
        new("sweep-machines", "LIST", "plan each machine count: 1,2,4 (instead of --machines)"),
        new("json", "FILE", "also write every figure as JSON"),
        new("help", null, "show this help"),
    ];

    public static int Run(ParsedOptions options)
    {
        var shape = BenchTrainCommand.ParseShape(options.String("input", "1x28x28"));
        var modelValue = options.String("model", "cnn");
        var modelFile = ModelFile.IsFile(modelValue) ? ModelFile.Read(modelValue) : ((ModelSpec Spec, Shape3? Input)?)null;
        var config = new TrainingConfig
        {
            Model = modelFile?.Spec.Name ?? options.Choice("model", "cnn", "mlp", "mlp-deep", "cnn", "resnet-mini"),
            ModelLayers = modelFile?.Spec.Text,
            MicroBatch = options.Int("batch", 8, 1, 1 << 20),
            Stages = options.Int("stages", 4, 1, 1024),
            Partition = options.String("partition", "flops"),
        };
        var rules = options.String("rules", "dp,cdp-v1,cdp-v2").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(ParseRule).Distinct().ToArray();
        if (rules.Length == 0)
        {
            throw new UsageException("--rules needs at least one of dp, cdp-v1, cdp-v2");
        }

        var workerCounts = options.Has("sweep-workers") ? PlanUnits.Counts("sweep-workers", options.String("sweep-workers")!, 1, 4096) : [options.Int("workers", 4, 1, 4096)];
        var machineCounts = options.Has("sweep-machines") ? PlanUnits.Counts("sweep-machines", options.String("sweep-machines")!, 1, 4096) : [options.Int("machines", 1, 1, 4096)];
        if (!options.Has("sweep-machines") && machineCounts[0] > workerCounts.Max())
        {
            throw new UsageException($"--machines {machineCounts[0]} is more than --workers {workerCounts.Max()}: every machine needs a worker");
        }

        long chunk = ParseBytes("chunk-size", options.String("chunk-size", "1MiB"));
        var transport = new TransportModel(chunk, options.Int("window", 8, 1, 1 << 20),
            PlanUnits.Bandwidth("bandwidth", options.String("bandwidth", "0")), PlanUnits.Duration("latency", options.String("latency", "0")),
            ChannelPerKind: options.Choice("links", "pair", "pair", "channel") == "channel", NicBytesPerSecond: PlanUnits.Bandwidth("nic", options.String("nic", "0")),
            Framing: ParseFraming(options.String("framing", "1")));
        // Rounded: a float's 0.3 would print as 0.30000001192092896.
        double slots = Math.Round((double)options.Float("compute-slots", Environment.ProcessorCount, 0, 1 << 20), 6);
        double traceSlots = Math.Round((double)options.Float("trace-slots", Environment.ProcessorCount, 0, 1 << 20), 6);
        bool traceSharedByProcesses = options.Choice("trace-sharing", "process", "process", "host") == "host";
        double sharedCores = Math.Round((double)options.Float("shared-cores", 0, 0, 1 << 20), 6);
        if (sharedCores > 0 && options.Has("compute-slots"))
        {
            throw new UsageException("--shared-cores and --compute-slots both set: machines on one host share its cores, separate machines have their own; give one");
        }

        string sliceText = options.String("time-slice", "linux");
        double? givenSlice = sliceText == "linux" ? null : PlanUnits.Duration("time-slice", sliceText);
        bool reducersShareSlots = options.Choice("reducer-slots", "shared", "shared", "separate") == "shared";
        var pacing = options.Parsed("pacing", "budget", PacingModeNames.Parse);
        var compensation = options.Parsed("compensation", "lookahead", DelayCompensationNames.Parse);
        var freshness = options.Parsed("v2-rule", "schedule", UpdateRuleNames.ParseFreshnessRule);
        int steps = options.Int("steps", 48, 4, 10_000);
        int cutEvery = options.Int("cut-every", 10, 0, 1_000_000);
        int reducerShards = options.Int("reducer-shards", 1, 1, Actors.Reduce.ReducerShards.MaxShards);
        double burstWindow = options.Has("burst-window") ? PlanUnits.Duration("burst-window", options.String("burst-window")!) : 0;
        string costs = options.String("costs", PlanCosts.ShortRunCosts);
        if (costs != PlanCosts.Profiled && costs != PlanCosts.ShortRunCosts && !File.Exists(costs))
        {
            throw new FileNotFoundException($"--costs {costs}: no such file (give run, profile, a trace written by cyclic train --trace FILE, or a cyclic plan --json file)");
        }

        int runSteps = options.Int("run-steps", ShortRun.DefaultSteps, 2, 100_000);
        if (options.Has("run-steps") && costs != PlanCosts.ShortRunCosts)
        {
            throw new UsageException($"--run-steps is the length of the short run of --costs run; the costs come from {costs} here");
        }

        string? json = options.String("json");
        if (json is not null)
        {
            OutputPaths.CheckFile("json", json);
        }

        var model = UsageException.Wrap(() => ModelPresets.Create(config, modelFile?.Input ?? shape, 10));
        var partition = PreparedTraining.PartitionModel(model, config);
        using var backends = BackendFactory.Resolve(BackendChoices.Parse(options.Choice("backend", "cpu", "auto", "cpu", "cuda")));
        // Linux's slice shares CPU cores; kernels of several workers on one GPU interleave far finer (processor sharing).
        double slice = givenSlice ?? (backends.Resolved == BackendChoice.Cuda ? 0 : ComputeMachine.LinuxTimeSlice(sharedCores > 0 ? sharedCores : slots));
        var run = costs == PlanCosts.ShortRunCosts
            ? ShortRun.For(workerCounts[0], Math.Min(machineCounts[0], workerCounts[0]), partition.StageCount, rules, compensation, runSteps)
            : null;
        if (run is not null && OtherShortRuns(run, workerCounts, machineCounts, partition.StageCount, rules, compensation, runSteps) is { Length: > 0 } others)
        {
            // One run serves the sweep; its op-time spread grows with the workers a CPU machine runs (cnn here: 0.4-0.6 at 2, 1.2-1.3 at 8).
            Console.Error.WriteLine($"cyclic plan: every case is planned from this one run of {run.Workers} worker{(run.Workers == 1 ? string.Empty : "s")}; "
                + $"for the cases whose fullest machine runs {string.Join(" or ", others)} workers, plan them alone to trace a run of their own (a CPU machine's op times vary more the more workers it runs, and so does its memory)");
        }

        bool timedBuffers = options.Choice("op-buffers", "whole", "whole", "timed") == "timed";
        if (timedBuffers && backends.Resolved == BackendChoice.Cuda)
        {
            Console.Error.WriteLine("cyclic plan: --op-buffers timed: on a GPU the host's moments of an op's rents say little of when the device holds them; planning each op's buffers whole");
            timedBuffers = false;
        }

        var (stages, endpointCpu, dataBytes, origin) = PlanCosts.Resolve(costs, model, partition, config, backends, traceSlots, traceSharedByProcesses, run, timedBuffers);
        string spreadText = options.String("op-spread", "trace");
        if (spreadText != "trace")
        {
            double given = ParseSpread(spreadText);
            stages = [.. stages.Select(stage => stage with { ForwardSpread = given, BackwardSpread = given })];
        }

        transport = transport with { EndpointCpuSecondsPerByte = endpointCpu };
        var header = new PlanHeader(modelFile is null ? config.Model : modelValue, partition.StageCount, config.Partition, config.MicroBatch, origin, stages, transport, slots, reducersShareSlots, pacing, cutEvery, sharedCores, reducerShards, slice);
        var cases = new List<PlanCase>();
        foreach (var workers in workerCounts)
        {
            foreach (var machines in machineCounts)
            {
                var results = rules.ToDictionary(rule => rule, rule => PlanOne(new PlanScenario(workers, config.MicroBatch, rule, stages,
                    new MachineLayout(machines, slots, reducersShareSlots, sharedCores, slice), transport, pacing, compensation, freshness, steps, burstWindow, dataBytes, cutEvery, reducerShards)));
                cases.Add(new PlanCase(workers, machines, results));
            }
        }

        Console.Write(PlanReport.Render(header, cases, rules));
        if (json is not null)
        {
            Reporting.JsonOutput.WriteSummary(json, PlanReport.Json(header, cases));
            Console.WriteLine($"figures written to {json}");
        }

        return 0;
    }

    /// <summary>The workers a machine runs in the sweep's cases whose own short run would differ from <paramref name="first"/>'s.</summary>
    private static int[] OtherShortRuns(ShortRun first, IReadOnlyList<int> workerCounts, IReadOnlyList<int> machineCounts, int stages, IReadOnlyList<UpdateRule> rules,
        DelayCompensation compensation, int steps) =>
        [.. workerCounts.SelectMany(workers => machineCounts.Where(machines => machines <= workers)
                .Select(machines => ShortRun.For(workers, machines, stages, rules, compensation, steps)))
            .Where(run => run != first).Select(run => run.Workers).Distinct().Order()];

    private static double ParseSpread(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var spread) && double.IsFinite(spread) && spread >= 0 && spread <= 10
            ? spread
            : throw new UsageException($"--op-spread must be trace or a coefficient of variation from 0 to 10 (0.3: an op's time varies by 30 % of its mean); got '{text}'");

    /// <summary>The plan of one rule, or why the runtime would refuse it (a CDP rule with N not dividing 2L, more machines than workers).</summary>
    private static PlanOutcome PlanOne(PlanScenario scenario)
    {
        if (scenario.Layout.Machines > scenario.Workers)
        {
            return new PlanOutcome(null, $"{scenario.Layout.Machines} machines for {scenario.Workers} workers");
        }

        if (scenario.Rule != UpdateRule.Dp && 2 * scenario.Stages.Count % scenario.Workers != 0)
        {
            return new PlanOutcome(null, $"N must divide 2L = {2 * scenario.Stages.Count}");
        }

        return new PlanOutcome(RuntimePlanner.Plan(scenario), null);
    }

    /// <summary>One name of --rules; a near miss gets a suggestion.</summary>
    private static UpdateRule ParseRule(string name)
    {
        try
        {
            return UpdateRuleNames.ParseUpdateRule(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--rules: {UsageException.From(e).Message.TrimEnd('.')}{Suggestion.DidYouMean(name, ["dp", "cdp-v1", "cdp-v2"])}");
        }
    }

    private static double ParseFraming(string text)
    {
        if (text == "ethernet")
        {
            return TransportModel.EthernetTcpFraming;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var framing) && framing >= 1 && double.IsFinite(framing)
            ? framing
            : throw new UsageException($"--framing: '{text}' is not 'ethernet' or a number of at least 1 (bytes on the wire per tensor byte)");
    }

    private static long ParseBytes(string flag, string text)
    {
        try
        {
            return ByteSize.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--{flag}: {e.Message}");
        }
    }
}

/// <summary>What every case of one `cyclic plan` shares.</summary>
internal sealed record PlanHeader(string Model, int Stages, string Partition, int MicroBatch, string CostsOrigin, IReadOnlyList<StageCost> StageCosts,
    TransportModel Transport, double ComputeSlots, bool ReducersShareSlots, PacingMode Pacing, int CutEvery, double SharedCores, int ReducerShards, double SliceSeconds)
{
    /// <summary>The stages' op-time spreads as one figure (<see cref="StageCost.OpTimeSpread"/>).</summary>
    public double OpTimeSpread => StageCost.OpTimeSpread(StageCosts);

    /// <summary>Whether the ops' buffers come and go at their moments inside each op (<c>--op-buffers timed</c>) rather than held whole.</summary>
    public bool OpBuffersTimed => StageCosts.Any(cost => cost.ForwardBuffers?.Events is not null || cost.BackwardBuffers?.Events is not null);
}

/// <summary>A rule's plan, or the reason there is none.</summary>
internal sealed record PlanOutcome(RulePlan? Plan, string? NotApplicable);

/// <summary>One (N, K) of a sweep, every rule.</summary>
internal sealed record PlanCase(int Workers, int Machines, IReadOnlyDictionary<UpdateRule, PlanOutcome> Rules);
