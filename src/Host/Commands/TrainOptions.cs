using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>The parsed flags of `cyclic train`.</summary>
internal sealed record TrainOptions
{
    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("model", "NAME|FILE", "mlp | mlp-deep | cnn | resnet-mini, or a model file FILE.conf (layers in HOCON; the presets are in hocon/models/, see docs/models.md)", "cnn"),
        new("data", "DIR", "MNIST IDX (gzip or not) or CIFAR-10 binary directory, or fashion-mnist (Debian's full Fashion-MNIST: apt-get install dataset-fashion-mnist)", "data/mnist (bundled)"),
        new("epochs", "N", "passes over the training set", "3"),
        new("steps", "N", "stop after N optimizer steps in total (0 = all epochs)", "0"),
        new("batch", "B", "samples per micro-batch (one micro-batch per worker per step)", "8"),
        new("workers", "N", "workers = micro-batches per step", "4"),
        new("stages", "L", "contiguous model stages", "4"),
        new("partition", "P", "flops | activations | params | explicit layer counts like 3,4,2,1", "flops"),
        new("lr", "X", "learning rate", "0.05"),
        new("momentum", "X", "SGD momentum", "0.9"),
        new("weight-decay", "X", "L2 weight decay (PyTorch SGD semantics)", "0"),
        new("lr-schedule", "S", "constant | cosine (decay to 0 over the run)", "cosine"),
        new("seed", "N", "seed for initialisation and data order", "1"),
        new("engine", "E", "actors (the CDP runtime: workers, token ring, reducers) | simulation (the one-thread delayed-gradient oracle, bitwise equal to actors) | reference (the one-thread DP oracle)", "actors"),
        new("rule", "R", "dp | cdp-v1 | cdp-v2 (actors engine)", "cdp-v2"),
        new("v2-rule", "F", "cdp-v2 freshness: schedule (from the real timeline) | paper-code (l >= L-1-rank)", "schedule"),
        new("compensation", "C", "none | lookahead (CDP rules; dp never needs it)", "lookahead for cdp-v1 and cdp-v2"),
        new("parallelism", "P", "data (full replicas on every worker, each new version broadcast) | model (stages on shared devices holding the only copies, activations passed device to device) | zero (workers hold a stage only from its forward to its backward, parameters passed worker to worker); bitwise the same result, see docs/placements.md", "data"),
        new("devices", "D", "with --parallelism model: at most D stage devices (stages merged, the step stretches; see cyclic schedule --placement model)", "as many as the schedule needs"),
        new("reducer-shards", "S", "with --parallelism data: split each stage's reducer into S shards of its parameters (in a cluster on S different members): every member sends and receives an equal share, the bytes of a ring all-reduce, bitwise the same result; see docs/cluster.md", "1"),
        new("pacing", "P", "none | tick | budget: how each device's workers keep the schedule's order in wall-clock time (tick: an op waits for the backwards of earlier ticks; budget: forwards reserve their activations within the predicted peak; see docs/memory.md)", "budget"),
        MemoryBudget.Spec,
        new("trace", "FILE", "Chrome trace of every op, gradient arrival and publication (open in Perfetto)"),
        new("backend", "B", "auto | cpu | cuda (auto uses a GPU when one works, else the CPU, and says why)", "auto"),
        new("save", "DIR", "write a checkpoint directory at the end (resumable with --resume); with --checkpoint-every, a series of them"),
        new("checkpoint-every", "K", "also checkpoint every K steps: DIR/step-NNNNNNNN, written beside training, the newest --keep kept (needs --save)", "0 (end only)"),
        new("on-nonfinite", "stop|skip", "a NaN or infinite loss, gradient or update stops the run naming the step, worker and stage (stop), or the run rolls back to its newest cut and skips that step in every stage (skip; summary skipped_steps)", "stop"),
        new("keep", "M", "with --checkpoint-every, how many of the newest checkpoints to keep", "2"),
        new("resume", "DIR", "continue from a checkpoint (or a series' newest that loads), bitwise as if never interrupted; its settings apply, flags that would change the result are refused, --epochs/--steps may extend the run"),
        new("config", "FILE", "HOCON over the shipped settings (hocon/reference.conf), e.g. cyclic-actors.stall-timeout or cyclic-actors.fault-injection to rehearse a failure"),
        new("eval-every", "K", "test accuracy every K steps while training (actors engine: from the reducers' cuts, on a thread of its own, never changing the run); 0: at the end only; the best is in the summary", "once per epoch"),
        new("metrics", "FILE", "JSON lines, one per step (and one per evaluation)"),
        new("summary", "FILE", "one JSON object describing the run"),
        new("plot", "DIR", "at the end, figures of this run (loss, test accuracy, activations, reserved bytes; links on seed) as cyclic plot draws them; the metrics go to DIR/metrics.jsonl unless --metrics says where"),
        new("quiet", null, "no progress display"),
        new("help", null, "show this help"),
    ];

    public required TrainingConfig Config { get; init; }

    /// <summary>--model FILE: the model file, and the input shape it declares (null: any).</summary>
    public string? ModelFile { get; init; }

    public GpuCompute.Shape3? ModelInput { get; init; }

    public required string DataDirectory { get; init; }

    public required string Engine { get; init; }

    public required BackendChoice Backend { get; init; }

    public required UpdateRule Rule { get; init; }

    public required V2FreshnessRule Freshness { get; init; }

    /// <summary>What the rule runs with, already: none for DP (<see cref="CompensationForRule"/>), so callers use it as it is.</summary>
    public required DelayCompensation Compensation { get; init; }

    public required PacingMode Pacing { get; init; }

    public Parallelism Parallelism { get; init; } = Parallelism.Data;

    /// <summary>--devices: the model placement's device cap; null for none.</summary>
    public int? Devices { get; init; }

    /// <summary>--reducer-shards: shards per stage reducer (1: one reducer per stage).</summary>
    public int ReducerShards { get; init; } = 1;

    /// <summary>--on-nonfinite: stop, or skip a step whose loss, gradient or update is NaN or infinite.</summary>
    public NonFiniteAction OnNonFinite { get; init; } = NonFiniteAction.Stop;

    public string? MemoryBudgetText { get; init; }

    public string? TraceFile { get; init; }

    public string? SaveDirectory { get; init; }

    /// <summary>Checkpoint every this many steps into the series at <see cref="SaveDirectory"/>; 0: at the end only.</summary>
    public int CheckpointEvery { get; init; }

    public int Keep { get; init; } = 2;

    public string? ResumeDirectory { get; init; }

    /// <summary>train --config: the HOCON laid over the reference settings, read and checked; null without the flag.</summary>
    public string? ConfigOverrides { get; init; }

    public string? MetricsFile { get; init; }

    /// <summary>--eval-every: evaluate every this many steps; null: once per epoch (actors engine), 0: at the end only.</summary>
    public int? EvaluateEvery { get; init; }

    public string? SummaryFile { get; init; }

    /// <summary>--plot: where this run's figures go at its end.</summary>
    public string? PlotDirectory { get; init; }

    /// <summary>Where the metrics lines go: --metrics, or with --plot alone DIR/metrics.jsonl (the figures are drawn from them).</summary>
    public string? MetricsPath => MetricsFile ?? (PlotDirectory is { } plots ? Path.Combine(plots, "metrics.jsonl") : null);

    /// <summary>The files --plot draws from: the metrics, and the trace and summary when the run writes them.</summary>
    public IEnumerable<string> PlotSources(string label) =>
        new[] { MetricsPath, TraceFile, SummaryFile }.OfType<string>().Where(File.Exists).Select(path => $"{label}={path}");

    public bool Quiet { get; init; }

    /// <summary>
    /// Look-ahead is on by default for the CDP rules: CDP-v1's uniform one-step delay is unstable
    /// with heavy momentum without it, and CDP-v2 measured equal or better with it at every setting
    /// of the accuracy benchmark (bench/results/accuracy-cnn.md). DP has nothing to compensate.
    /// </summary>
    private static DelayCompensation DefaultCompensation(ParsedOptions o)
    {
        var rule = o.Parsed("rule", "cdp-v2", UpdateRuleNames.ParseUpdateRule);
        if (!o.Has("compensation"))
        {
            return CompensationForRule.Effective(rule, DelayCompensation.Lookahead);
        }

        var compensation = o.Parsed("compensation", "none", DelayCompensationNames.Parse);
        return CompensationForRule.Effective(rule, compensation) != compensation
            ? throw new UsageException("--compensation lookahead applies to the CDP rules; dp uses fresh parameters")
            : compensation;
    }

    /// <summary>The CDP-v2 freshness rule; given with another rule it would be silently ignored, so it is refused.</summary>
    private static V2FreshnessRule FreshnessRule(ParsedOptions o)
    {
        var freshness = o.Parsed("v2-rule", "schedule", UpdateRuleNames.ParseFreshnessRule);
        return o.Has("v2-rule") && o.Parsed("rule", "cdp-v2", UpdateRuleNames.ParseUpdateRule) != UpdateRule.CdpV2
            ? throw new UsageException($"--v2-rule applies to --rule cdp-v2 only; got --rule {o.String("rule")}")
            : freshness;
    }

    private static int? EvaluationPeriod(ParsedOptions o)
    {
        if (!o.Has("eval-every"))
        {
            return null;
        }

        int every = o.Int("eval-every", 0, 0);
        return every > 0 && o.Has("engine") && o.String("engine") != "actors"
            ? throw new UsageException($"--eval-every evaluates the actor runtime's cuts while it trains (--engine actors), not --engine {o.String("engine")}")
            : every;
    }

    /// <summary>--parallelism and --devices, refusing combinations that would be silently ignored.</summary>
    private static (Parallelism Parallelism, int? Devices) Placement(ParsedOptions o)
    {
        var parallelism = o.Parsed("parallelism", "data", ParallelismNames.Parse);
        int? devices = o.Has("devices") ? o.Int("devices", 1, 1, 1024) : null;
        if (devices is not null && parallelism != Parallelism.Model)
        {
            throw new UsageException($"--devices caps the stage devices of --parallelism model; this run's parallelism is {parallelism.ToCliName()}");
        }

        if (parallelism != Parallelism.Data && o.Has("engine") && o.String("engine") != "actors")
        {
            throw new UsageException($"--parallelism {parallelism.ToCliName()} is a placement of the actor runtime (--engine actors), not of --engine {o.String("engine")}");
        }

        if (parallelism != Parallelism.Data && o.Has("reducer-shards") && o.Int("reducer-shards", 1, 1, Actors.Reduce.ReducerShards.MaxShards) > 1)
        {
            throw new UsageException($"--reducer-shards splits the stage reducers of --parallelism data; --parallelism {parallelism.ToCliName()} has none");
        }

        if (o.Has("reducer-shards") && o.Has("engine") && o.String("engine") != "actors")
        {
            throw new UsageException($"--reducer-shards splits the stage reducers of the actor runtime (--engine actors), not of --engine {o.String("engine")}");
        }

        if (parallelism == Parallelism.Model && o.Has("pacing"))
        {
            throw new UsageException("--pacing applies to the workers of --parallelism data and zero; a stage device of --parallelism model runs its ops in the schedule's tick order");
        }

        return (parallelism, devices);
    }

    public static TrainOptions From(ParsedOptions o)
    {
        var (parallelism, devices) = Placement(o);
        var modelValue = o.String("model", "cnn");
        var modelFile = Commands.ModelFile.IsFile(modelValue) ? Commands.ModelFile.Read(modelValue) : ((GpuCompute.Models.ModelSpec Spec, GpuCompute.Shape3? Input)?)null;
        var config = new TrainingConfig
        {
            Model = modelFile?.Spec.Name ?? o.Choice("model", "cnn", "mlp", "mlp-deep", "cnn", "resnet-mini"),
            ModelLayers = modelFile?.Spec.Text,
            Epochs = o.Int("epochs", 3, 1, 10_000),
            MaxSteps = o.Int("steps", 0, 0),
            MicroBatch = o.Int("batch", 8, 1, 1 << 20),
            Workers = o.Int("workers", 4, 1, 1024),
            Stages = o.Int("stages", 4, 1, 1024),
            Partition = o.String("partition", "flops"),
            LearningRate = o.Float("lr", 0.05f, 1e-9f, 100f),
            Momentum = o.Float("momentum", 0.9f, 0f, 0.999999f),
            WeightDecay = o.Float("weight-decay", 0f, 0f, 10f),
            LearningRateSchedule = o.Choice("lr-schedule", "cosine", "constant", "cosine"),
            Seed = o.ULong("seed", 1),
        };
        return new TrainOptions
        {
            Config = config,
            ModelFile = modelFile is null ? null : modelValue,
            ModelInput = modelFile?.Input,
            DataDirectory = DataLocator.Resolve(o.String("data")),
            Engine = o.Choice("engine", "actors", "actors", "simulation", "reference"),
            Rule = o.Parsed("rule", "cdp-v2", UpdateRuleNames.ParseUpdateRule),
            Freshness = FreshnessRule(o),
            Compensation = DefaultCompensation(o),
            Pacing = o.Parsed("pacing", "budget", PacingModeNames.Parse),
            Parallelism = parallelism,
            Devices = devices,
            ReducerShards = o.Int("reducer-shards", 1, 1, Actors.Reduce.ReducerShards.MaxShards),
            OnNonFinite = o.Parsed("on-nonfinite", "stop", NonFiniteActionNames.Parse),
            MemoryBudgetText = o.String("memory-budget"),
            TraceFile = o.String("trace"),
            Backend = BackendChoices.Parse(o.Choice("backend", "auto", "auto", "cpu", "cuda")),
            SaveDirectory = o.String("save"),
            CheckpointEvery = o.Int("checkpoint-every", 0, 0),
            Keep = o.Int("keep", 2, 1),
            ResumeDirectory = o.String("resume"),
            ConfigOverrides = o.String("config") is { } file ? TrainingSettingsFile.Read(file) : null,
            MetricsFile = o.String("metrics"),
            EvaluateEvery = EvaluationPeriod(o),
            SummaryFile = o.String("summary"),
            PlotDirectory = o.String("plot"),
            Quiet = o.Flag("quiet"),
        };
    }
}
