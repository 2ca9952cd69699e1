using CyclicActors.Actors.Planning;
using System.Globalization;
using System.Text.Json;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Reporting;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `cyclic bench-train`: training throughput on synthetic data of a given input shape, median
/// samples/s over blocks of steps after a warm-up (first steps pay for JIT, cuDNN algorithm choice
/// and pool growth), and the measured peak of stored activation bytes. Writes JSON for
/// scripts/gpu-check.sh and bench/.
/// </summary>
internal static class BenchTrainCommand
{
    public const string Summary = "training throughput and peak activation bytes on synthetic data (JSON)";

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("model", "NAME|FILE", "mlp | mlp-deep | cnn | resnet-mini, or a model file FILE.conf (docs/models.md)", "cnn"),
        new("input", "CxHxW", "sample shape", "1x28x28"),
        new("batch", "B", "samples per micro-batch", "32"),
        new("workers", "N", "micro-batches per step", "1"),
        new("stages", "L", "model stages", "1"),
        new("partition", "P", "flops | activations | params | layer counts", "flops"),
        new("backend", "B", "auto | cpu | cuda", "auto"),
        new("engine", "E", "reference (one thread) | actors (one worker actor per micro-batch, all on the same device)", "reference"),
        new("rule", "R", "dp | cdp-v1 | cdp-v2 (actors engine)", "dp"),
        new("compensation", "C", "none | lookahead (actors engine, CDP rules)", "none"),
        new("pacing", "P", "none | tick | budget (actors engine)", "budget"),
        new("parallelism", "P", "data | model | zero (actors engine; see docs/placements.md)", "data"),
        new("devices", "D", "with --parallelism model: at most D stage devices"),
        new("pool-limit", "BYTES", "the device pool gives cached blocks back rather than reserve more than this (what train's --memory-budget sets; no refusal here)"),
        new("warmup", "N", "untimed steps first", "20"),
        new("steps", "N", "timed steps", "100"),
        new("block", "N", "steps per timed block (the figure is the median block)", "10"),
        new("json", "FILE", "append the result to this JSON array file"),
        new("help", null, "show this help"),
    ];

    private static long ParsePoolLimit(string text)
    {
        try
        {
            return ByteSize.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--pool-limit: {e.Message}");
        }
    }

    public static int Run(ParsedOptions options)
    {
        var shape = ParseShape(options.String("input", "1x28x28"));
        int warmup = options.Int("warmup", 20, 0, 1_000_000);
        int steps = options.Int("steps", 100, 1, 1_000_000);
        int block = options.Int("block", 10, 1, steps);
        var modelValue = options.String("model", "cnn");
        var modelFile = ModelFile.IsFile(modelValue) ? ModelFile.Read(modelValue).Spec : null;
        var config = new TrainingConfig
        {
            Model = modelFile?.Name ?? options.Choice("model", "cnn", "mlp", "mlp-deep", "cnn", "resnet-mini"),
            ModelLayers = modelFile?.Text,
            MicroBatch = options.Int("batch", 32, 1, 1 << 20),
            Workers = options.Int("workers", 1, 1, 1024),
            Stages = options.Int("stages", 1, 1, 1024),
            Partition = options.String("partition", "flops"),
            LearningRateSchedule = "constant",
            MaxSteps = warmup + steps,
            Epochs = 1_000_000,
        };
        if (options.String("json") is { } jsonFile)
        {
            OutputPaths.CheckFile("json", jsonFile);
        }

        var model = UsageException.Wrap(() => ModelPresets.Create(config, shape, 10));
        var partition = PreparedTraining.PartitionModel(model, config);
        var data = SyntheticDataset.Create(shape, model.Classes, Math.Max(config.GlobalBatch * 8, 1024), seed: 5);
        var source = new DatasetMicroBatchSource(data, new DataOrder(config.Seed, data.Count, config.MicroBatch, config.Workers));
        var initial = ParameterInitializer.Initialize(model, new ParameterLayout(model, partition), config.Seed);

        string engine = options.Choice("engine", "reference", "reference", "actors");
        var rule = options.Parsed("rule", "dp", UpdateRuleNames.ParseUpdateRule);
        var compensation = options.Parsed("compensation", "none", DelayCompensationNames.Parse);
        var pacing = options.Parsed("pacing", "budget", PacingModeNames.Parse);
        var parallelism = options.Parsed("parallelism", "data", ParallelismNames.Parse);
        int? devices = options.Has("devices") ? options.Int("devices", 1, 1, 1024) : null;
        if ((parallelism != Parallelism.Data || devices is not null) && engine != "actors")
        {
            throw new UsageException("--parallelism and --devices are placements of the actor runtime (--engine actors)");
        }

        long? poolLimit = options.String("pool-limit") is { } limitText ? ParsePoolLimit(limitText) : null;
        using var backends = BackendFactory.Resolve(BackendChoices.Parse(options.Choice("backend", "auto", "auto", "cpu", "cuda")));
        Console.WriteLine(backends.SelectionLine);
        var stepSeconds = new List<double>();
        double previous = 0;
        void OnStep(StepMetrics m)
        {
            stepSeconds.Add(m.ElapsedSeconds - previous);
            previous = m.ElapsedSeconds;
        }

        TrainingOutcome outcome;
        ActivationReport? activations = null;
        long reservedPeak;
        long? deviceUsedPeak = null;
        long? predictedNeed = null;
        backends.DevicePool.KeepWithin(poolLimit);
        backends.DevicePool.ResetPeak();
        int violations = 0;
        var placementFigures = new Dictionary<string, object?>();
        if (engine == "reference")
        {
            using var backend = backends.Create(parentLedger: null);
            outcome = new ReferenceTrainer(config, model, partition, backend).Train(source, initial, OnStep);
            reservedPeak = backends.DevicePool.ReservedPeakBytes;
        }
        else
        {
            var footprint = OpFootprint.Measure(model, partition, config.MicroBatch, backends.CreateIsolated);
            predictedNeed = MemoryBudget.Needs(config, model, partition, config.MaxSteps, compensation, footprint, reducersOnDevice: backends.Resolved != BackendChoice.Cuda)[rule]?.Total;
            var run = ActorTrainer.Run(
                new ActorTrainingOptions
                {
                    Training = config, Rule = rule, Compensation = compensation, Pacing = pacing, Parallelism = parallelism, Devices = devices,
                    BackendFactory = backends.CreateForRank, ReducerBackendFactory = backends.CreateHost, DevicePool = backends.DevicePool,
                },
                data, initial, OnStep);
            PlacementReport.Add(parallelism, run, placementFigures);
            PlacementReport.AddPredictions(parallelism, run, TrainingPlan.Create(new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation, Devices = devices, Parallelism = parallelism }, data, initial), placementFigures);
            outcome = run.Outcome;
            activations = run.Activations;
            violations = run.VersionViolations;
            reservedPeak = run.ReservedPeakBytes ?? 0;
            deviceUsedPeak = run.DeviceUsedPeakBytes;
        }

        var timed = stepSeconds.Skip(warmup).ToArray();
        var blockRates = Enumerable.Range(0, timed.Length / block)
            .Select(b => config.GlobalBatch * block / timed.Skip(b * block).Take(block).Sum())
            .Order().ToArray();
        double median = blockRates[blockRates.Length / 2];
        var result = new Dictionary<string, object?>
        {
            ["engine"] = engine,
            ["rule"] = engine == "reference" ? "dp" : rule.ToCliName(),
            ["compensation"] = compensation.ToCliName(),
            ["pacing"] = pacing.ToCliName(),
            ["model"] = model.Name,
            ["input"] = shape.ToString(),
            ["micro_batch"] = config.MicroBatch,
            ["workers"] = config.Workers,
            ["global_batch"] = config.GlobalBatch,
            ["stages"] = partition.StageCount,
            ["backend"] = backends.Name,
            ["warmup_steps"] = warmup,
            ["timed_steps"] = timed.Length,
            ["samples_per_second_median"] = Math.Round(median, 1),
            ["samples_per_second_min"] = Math.Round(blockRates[0], 1),
            ["samples_per_second_max"] = Math.Round(blockRates[^1], 1),
            ["step_ms_median"] = Math.Round(1000 * config.GlobalBatch / median, 4),
            ["peak_activation_bytes"] = activations?.MeasuredPeakBytes ?? outcome.PeakActivationBytes,
            ["predicted_peak_activation_bytes"] = activations?.PredictedPeakBytes,
            ["wall_clock_peak_activation_bytes"] = outcome.PeakActivationBytes,
            ["stage_activation_bytes"] = activations?.PerStageBytes,
            ["realized_version_violations"] = engine == "actors" ? violations : null,
            ["reserved_peak_bytes"] = reservedPeak,
            ["predicted_need_bytes"] = predictedNeed,
            ["reserved_device"] = backends.DevicePool.Device,
            ["pool_limit_bytes"] = poolLimit,
            ["device_used_peak_bytes"] = deviceUsedPeak,
            ["final_loss"] = outcome.FinalLoss,
            ["parameter_sha256"] = ParameterHash.Sha256(outcome.FinalParameters),
        };
        foreach (var (key, value) in placementFigures)
        {
            result[key] = value;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model.Name} {shape} {engine} {(engine == "reference" ? "dp" : rule.ToCliName())} {config.Workers}x{config.MicroBatch} on {backends.Name}: {median:F0} samples/s (median of {blockRates.Length} blocks of {block} steps; range {blockRates[0]:F0}-{blockRates[^1]:F0}); peak activations {activations?.MeasuredPeakBytes ?? outcome.PeakActivationBytes:N0} bytes at logical ticks (predicted {activations?.PredictedPeakBytes}), {outcome.PeakActivationBytes:N0} in wall-clock time"));
        if (options.String("json") is { } path)
        {
            AppendJson(path, result);
        }

        return 0;
    }

    public static Shape3 ParseShape(string text)
    {
        var parts = text.Split('x');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0))
        {
            throw new UsageException($"--input must look like 1x28x28 (channels x height x width); got '{text}'");
        }

        return new Shape3(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Keeps a JSON array of results, one per invocation, so a script can run several configurations into one file.</summary>
    public static void AppendJson(string path, IReadOnlyDictionary<string, object?> result)
    {
        var all = File.Exists(path)
            ? JsonSerializer.Deserialize<List<Dictionary<string, object?>>>(File.ReadAllText(path)) ?? []
            : [];
        all.Add(result.ToDictionary(kv => kv.Key, kv => kv.Value));
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(all, JsonOutput.Indented) + "\n");
    }
}
