using CyclicActors.Actors.Planning;
using System.Globalization;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Simulation;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Reporting;

namespace CyclicActors.Host.Commands;

/// <summary>`cyclic train`: trains on a data directory, reports test accuracy, writes the requested files.</summary>
internal static class TrainCommand
{
    public const string Summary = "train a model (defaults: cnn on the bundled MNIST subset, CDP-v2 through the actor runtime)";

    public static int Run(ParsedOptions parsed)
    {
        var options = TrainOptions.From(parsed);
        CheckCheckpointFlags(options, parsed);
        var (resumedOptions, resume) = ResumeOptions.Prepare(options, parsed);
        options = resumedOptions;

        var config = options.Config;
        var (trainSet, testSet, model, partition, layout, initial, order) = PreparedTraining.From(options);

        bool reference = options.Engine == "reference";
        string rule = reference ? "dp" : options.Rule.ToCliName();
        if (reference && (parsed.Has("rule") && options.Rule != UpdateRule.Dp))
        {
            throw new UsageException("--engine reference runs plain DP; use --engine actors for the CDP rules");
        }

        using var backends = BackendFactory.Resolve(options.Backend);
        Console.WriteLine(backends.SelectionLine);
        string compensation = reference ? "none" : options.Compensation.ToCliName();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train {model.Name} ({model.ParameterCount:N0} parameters, stages {partition}) on {trainSet}; engine {options.Engine}, rule {rule}{(options.Rule == UpdateRule.CdpV2 && !reference ? $" ({options.Freshness.ToCliName()} freshness)" : "")}, compensation {compensation}, parallelism {options.Parallelism.ToCliName()}, {config.Workers} x {config.MicroBatch} per step, lr {config.LearningRate} ({config.LearningRateSchedule}), momentum {config.Momentum}, weight decay {config.WeightDecay}, seed {config.Seed}"));

        if (options.PlotDirectory is { } plots)
        {
            PlotCommand.CheckDirectory("--plot", plots);
        }

        using var metrics = options.MetricsPath is null ? null : new MetricsWriter(options.MetricsPath);
        int totalSteps = config.TotalSteps(order.StepsPerEpoch);
        int evaluateEvery = options.EvaluateEvery ?? (options.Engine == "actors" ? order.StepsPerEpoch : 0);
        using var evaluations = evaluateEvery > 0 ? new EvaluationQueue(model, partition, testSet, order.StepsPerEpoch, metrics) : null;
        var progress = new ProgressReporter(options.Quiet ? false : null, evaluations is null ? null : evaluations.Describe);
        void OnStep(StepMetrics m, Action<StepMetrics> report)
        {
            if (!options.Quiet)
            {
                report(m);
            }

            metrics?.Write(m);
        }

        var summary = new Dictionary<string, object?>();
        var resumeCut = ResumeOptions.LoadCut(resume, options, layout, order, totalSteps, trainSet, summary);

        // One micro-batch through every stage on a pool of its own before the workers start: it measures the
        // footprint the memory check needs, and it compiles the compute kernels. Without it the first step's
        // ops were the JIT's (cnn: F1 42-49 ms against 1 ms after), workers waiting on the same method's
        // compilation finished it together, and CDP's staggered workers met in the same ops: the pool keeps
        // such a meeting (cnn CDP-v1 at N = 4 reserved 59-72 MB, 59-67 MB with the pass).
        var footprint = OpFootprint.Measure(model, partition, options.Config.MicroBatch, backends.CreateIsolated);
        CheckMemoryBudget(options, backends, footprint, model, partition, totalSteps, reference ? UpdateRule.Dp : options.Rule, reference ? DelayCompensation.None : options.Compensation, summary);
        TrainingOutcome outcome;
        using var evaluationBackend = backends.Create(parentLedger: null);
        if (reference)
        {
            var trainer = new ReferenceTrainer(config, model, partition, evaluationBackend);
            var source = new DatasetMicroBatchSource(trainSet, order);
            outcome = progress.Run($"{model.Name} dp", totalSteps, report => trainer.Train(source, initial, m => OnStep(m, report)));
            summary["peak_activation_bytes"] = outcome.PeakActivationBytes;
        }
        else if (options.Engine == "simulation")
        {
            CdpSchedule schedule;
            try
            {
                schedule = CdpSchedule.Create(config.Workers, partition.StageCount, options.Rule, options.Freshness);
            }
            catch (ArgumentException e)
            {
                throw UsageException.From(e);
            }

            var simulation = new DelayedGradientSimulation(config, model, partition, schedule, options.Compensation, evaluationBackend);
            var source = new DatasetMicroBatchSource(trainSet, order);
            outcome = progress.Run($"{model.Name} {rule} (simulation)", totalSteps, report => simulation.Train(source, initial, totalSteps, m => OnStep(m, report)));
        }
        else
        {
            using var checkpoints = options.SaveDirectory is null ? null : new CheckpointQueue();
            var cutWriter = new CutCheckpoints(options, partition, layout, trainSet, totalSteps);
            var actorOptions = new ActorTrainingOptions
            {
                Resume = resumeCut,
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
                Training = config,
                Rule = options.Rule,
                Freshness = options.Freshness,
                Compensation = options.Compensation,
                BackendFactory = backends.CreateForRank,
                ReducerBackendFactory = backends.CreateHost,
                DevicePool = backends.DevicePool,
                Pacing = options.Pacing,
                Parallelism = options.Parallelism,
                Devices = options.Devices,
                ReducerShards = options.ReducerShards,
                TracePath = options.TraceFile,
                OnNonFinite = options.OnNonFinite,
                SkippedSteps = new HashSet<int>(resumeCut?.SkippedSteps ?? []),
                ConfigOverrides = options.ConfigOverrides,
            };
            ActorTrainingResult result;
            try
            {
                result = progress.Run($"{model.Name} {rule}", totalSteps, report => ActorTrainer.Run(actorOptions, trainSet, initial, m => OnStep(m, report)));
            }
            catch (ArgumentException e)
            {
                throw UsageException.From(e);
            }

            outcome = result.Outcome;
            var activations = result.Activations;
            summary["peak_activation_bytes"] = activations.MeasuredPeakBytes;
            summary["predicted_peak_activation_bytes"] = activations.PredictedPeakBytes;
            summary["wall_clock_peak_activation_bytes"] = outcome.PeakActivationBytes;
            summary["sampled_peak_activation_bytes"] = activations.WallClockPeakBytes;
            summary["stage_activation_bytes"] = activations.PerStageBytes;
            summary["realized_version_violations"] = result.VersionViolations;
            summary["lookahead_ops"] = result.LookaheadOps;
            summary["pacing"] = options.Parallelism == Parallelism.Model ? "tick-order" : options.Pacing.ToCliName();
            PlacementReport.Add(options.Parallelism, result, summary);
            summary["contributions"] = RunReport.Contributions(result.Contributions);
            summary["on_nonfinite"] = options.OnNonFinite.ToCliName();
            summary["skipped_steps"] = result.SkippedSteps;
            summary["reserved_peak_bytes"] = result.ReservedPeakBytes;
            summary["reserved_device"] = backends.DevicePool.Device;
            summary["device_used_peak_bytes"] = result.DeviceUsedPeakBytes;
            summary["ledger_peak_bytes"] = result.LedgerPeakBytes.ToDictionary(entry => entry.Key.ToString().ToLowerInvariant(), entry => entry.Value);
            // The reducers' master parameters, momentum and folded gradients live in host memory, in the CPU pool:
            // in reserved_peak_bytes on the CPU backend, beside it (host_reserved_peak_bytes) on a GPU.
            summary["reducer_master_copies"] = "host";
            if (backends.Resolved == BackendChoice.Cuda)
            {
                summary["host_reserved_peak_bytes"] = backends.CpuPool.ReservedPeakBytes;
            }
            else
            {
                // Size by size what the CPU pool ended up holding (bytes -> arrays), to set beside a plan's pool model (bench/plan/replay_pool.py).
                summary["reserved_by_size"] = backends.CpuPool.ReservedBySize().ToDictionary(pair => pair.Key.ToString(CultureInfo.InvariantCulture), pair => pair.Value);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"activations summed over {(options.Parallelism == Parallelism.Model ? "stage devices" : "workers")}: peak {activations.MeasuredPeakBytes:N0} bytes at logical ticks (predicted {activations.PredictedPeakBytes:N0}), {outcome.PeakActivationBytes:N0} in wall-clock time; version violations {result.VersionViolations}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"memory pool ({backends.DevicePool.Device}, {summary["pacing"]} pacing): peak {result.ReservedPeakBytes:N0} bytes reserved by {(options.Parallelism == Parallelism.Model ? "the stage devices" : "workers and reducers")}"));
            if (result.TracePath is not null)
            {
                Console.WriteLine($"trace written to {result.TracePath} (open in https://ui.perfetto.dev)");
            }

            if (checkpoints is not null)
            {
                // The final checkpoint is the run's last cut, written by the queue: the report waits for it.
                return Plotted(options, rule, metrics, RunReport.Finish(options, options.Engine, backends.Name, compensation, model, partition, layout, order, trainSet, testSet, evaluationBackend, outcome, summary,
                    saveCheckpoint: () => CheckpointWrites.Complete(checkpoints, summary), evaluations: evaluations?.Complete()));
            }
        }

        return Plotted(options, rule, metrics, RunReport.Finish(options, options.Engine, backends.Name, compensation, model, partition, layout, order, trainSet, testSet, evaluationBackend, outcome, summary,
            evaluations: evaluations?.Complete()));
    }

    /// <summary>--plot: the run's figures, once its outputs are written; a figure that fails costs the exit code, not the outputs.</summary>
    public static int Plotted(TrainOptions options, string label, MetricsWriter? metrics, int code)
    {
        if (options.PlotDirectory is not { } directory)
        {
            return code;
        }

        metrics?.Dispose();
        try
        {
            PlotCommand.Draw(options.PlotSources(label), directory);
            return code;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"cyclic: the figures were not drawn: {e.Message}");
            return 1;
        }
    }

    /// <summary>Periodic checkpoints need a series to write into and the actor runtime's cuts.</summary>
    public static void CheckCheckpointFlags(TrainOptions options, ParsedOptions parsed)
    {
        if (options.CheckpointEvery > 0 && options.SaveDirectory is null)
        {
            throw new UsageException("--checkpoint-every needs --save DIR, the directory its checkpoints go to");
        }

        if (parsed.Has("keep") && options.CheckpointEvery == 0)
        {
            throw new UsageException("--keep applies to --checkpoint-every; without it only the end-of-run checkpoint is written");
        }

        if ((options.CheckpointEvery > 0 || options.ResumeDirectory is not null) && options.Engine != "actors")
        {
            throw new UsageException($"--checkpoint-every and --resume need the actor runtime (--engine actors), not --engine {options.Engine}");
        }

        if (options.OnNonFinite == NonFiniteAction.Skip && options.Engine != "actors")
        {
            throw new UsageException($"--on-nonfinite skip needs the actor runtime (--engine actors), not --engine {options.Engine}");
        }
    }

    /// <summary>With --memory-budget: the predicted need of the device, checked before anything trains (throws the one-line refusal); then the device pool keeps within the budget.</summary>
    private static void CheckMemoryBudget(TrainOptions options, BackendPlan backends, OpFootprint footprint, ModelDefinition model, StagePartition partition, int totalSteps,
        UpdateRule rule, DelayCompensation compensation, Dictionary<string, object?> summary)
    {
        if (MemoryBudget.Resolve(options.MemoryBudgetText, backends.DevicePool) is not var (budget, origin))
        {
            return;
        }

        var needs = MemoryBudget.Needs(options.Config, model, partition, totalSteps, compensation, footprint, reducersOnDevice: backends.Resolved != BackendChoice.Cuda);
        Console.WriteLine(MemoryBudget.Check(rule, needs, budget, origin, backends.DevicePool.Device));
        backends.DevicePool.KeepWithin(budget);
        summary["memory_budget_bytes"] = budget;
        summary["predicted_need_bytes"] = needs[rule]!.Total;
        summary["predicted_need_by_rule"] = needs.ToDictionary(entry => entry.Key.ToCliName(), entry => entry.Value?.Total);
    }

    public static double TestAccuracy(ModelDefinition model, StagePartition partition, IComputeBackend backend, float[] parameters, Dataset testSet)
    {
        using var replica = new ModelReplica(model, partition, backend);
        replica.SetAllParameters(parameters);
        var (correct, total) = Evaluator.CountCorrect(replica, testSet.Pixels, testSet.Labels);
        return (double)correct / total;
    }
}
