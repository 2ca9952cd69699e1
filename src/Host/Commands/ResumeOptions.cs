using System.Globalization;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `train --resume DIR`: the run's settings come from the checkpoint. A flag that would change the
/// result (model, data order, optimizer, rule) and differs from the checkpoint is refused with the
/// recorded value; --epochs and --steps may extend the run; --workers may change the world size (the
/// cut then continues as a cluster run that shrank does: ranks below it keep their look-ahead
/// gradients, the data order follows it); where the result cannot depend on them (backend, pacing,
/// outputs) flags apply as given.
/// </summary>
internal static class ResumeOptions
{
    /// <summary>Runs as long as the checkpoint's run unless --epochs or --steps say otherwise.</summary>
    private const int UnboundedEpochs = 10_000;

    /// <summary>With --resume, the options with the checkpoint's settings and where it is; else the options as they are.</summary>
    public static (TrainOptions Options, (string Directory, CheckpointMetadata Metadata)? Resume) Prepare(TrainOptions options, ParsedOptions parsed)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ResumeDirectory is null)
        {
            return (options, null);
        }

        var (resumed, directory, metadata) = Apply(options, parsed);
        return (resumed, (directory, metadata));
    }

    /// <summary>The checkpoint to resume from (a series' newest that loads) and the options with its settings.</summary>
    public static (TrainOptions Options, string Directory, CheckpointMetadata Metadata) Apply(TrainOptions options, ParsedOptions parsed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parsed);
        var directory = CheckpointSeries.Resolve(options.ResumeDirectory!, problem => Console.Error.WriteLine($"cyclic: --resume passed over {problem}"));
        var metadata = CheckpointStore.ReadMetadata(directory);
        var manifest = Path.Combine(directory, CheckpointStore.ManifestFile);
        if (metadata.TotalSteps is not { } totalSteps || metadata.Compensation is null || metadata.LearningRateSchedule is null)
        {
            throw new CheckpointFormatException(manifest, "records neither the run's length, nor its compensation, nor its learning-rate schedule (written by format 1, by the reference or simulation engine, or by a cluster run), so no exact resume is possible; evaluate still reads it");
        }

        if (options.Engine != "actors")
        {
            throw new UsageException($"--resume continues the actor runtime's runs; --engine {options.Engine} cannot resume");
        }

        UpdateRule rule;
        DelayCompensation compensation;
        V2FreshnessRule freshness;
        try
        {
            rule = UpdateRuleNames.ParseUpdateRule(metadata.UpdateRule);
            compensation = DelayCompensationNames.Parse(metadata.Compensation);
            freshness = metadata.Freshness is null ? V2FreshnessRule.Schedule : UpdateRuleNames.ParseFreshnessRule(metadata.Freshness);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(manifest, $"invalid metadata: {e.Message}");
        }

        var config = options.Config;
        var recorded = metadata.HyperParameters;
        string partition = string.Join(",", metadata.Partition);
        Refuse(parsed, "model", config.Model, metadata.ModelName);
        Refuse(parsed, "batch", config.MicroBatch, recorded.MicroBatch);
        Refuse(parsed, "stages", config.Stages, metadata.Stages);
        Refuse(parsed, "partition", config.Partition, partition);
        Refuse(parsed, "lr", config.LearningRate, recorded.LearningRate);
        Refuse(parsed, "momentum", config.Momentum, recorded.Momentum);
        Refuse(parsed, "weight-decay", config.WeightDecay, recorded.WeightDecay);
        Refuse(parsed, "lr-schedule", config.LearningRateSchedule, metadata.LearningRateSchedule);
        Refuse(parsed, "seed", config.Seed, metadata.Seed);
        Refuse(parsed, "rule", options.Rule.ToCliName(), rule.ToCliName());
        Refuse(parsed, "v2-rule", options.Freshness.ToCliName(), freshness.ToCliName());
        Refuse(parsed, "compensation", options.Compensation.ToCliName(), compensation.ToCliName());

        bool extends = parsed.Has("epochs") || parsed.Has("steps");
        var resumed = options with
        {
            Config = config with
            {
                Model = metadata.ModelName,
                ModelLayers = metadata.ModelLayers,
                MicroBatch = recorded.MicroBatch,
                // Another world size continues the cut as a re-formed cluster run that shrank does (docs/cluster.md).
                Workers = parsed.Has("workers") ? config.Workers : recorded.Workers,
                Stages = metadata.Stages,
                Partition = partition,
                LearningRate = recorded.LearningRate,
                Momentum = recorded.Momentum,
                WeightDecay = recorded.WeightDecay,
                LearningRateSchedule = metadata.LearningRateSchedule,
                Seed = metadata.Seed,
                Epochs = parsed.Has("epochs") ? config.Epochs : UnboundedEpochs,
                MaxSteps = extends ? config.MaxSteps : checked((int)totalSteps),
            },
            Rule = rule,
            Freshness = freshness,
            Compensation = compensation,
        };
        return (resumed, directory, metadata);
    }

    /// <summary>The checkpoint's run must not be over, and its data must be the data given.</summary>
    public static void CheckAgainst(CheckpointMetadata metadata, string directory, int totalSteps, int workers, string dataFingerprint, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.DatasetFingerprint != dataFingerprint)
        {
            throw new UsageException($"--resume {directory}: the checkpoint was trained on data with fingerprint {metadata.DatasetFingerprint}, but {dataDirectory} has {dataFingerprint}; give the same --data");
        }

        if (metadata.Step >= totalSteps)
        {
            throw new UsageException($"--resume {directory}: the checkpoint is at step {metadata.Step} and the run would end at step {totalSteps}; give --steps or --epochs beyond it to train further");
        }

        if (metadata.HyperParameters.Workers != workers)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"note: the checkpoint was taken with {metadata.HyperParameters.Workers} workers and the run goes on with {workers}: from step {metadata.Step} the data order follows {workers} (as a cluster run that shrank)"));
        }

        if (metadata.TotalSteps != totalSteps && metadata.LearningRateSchedule == "cosine")
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"note: the run now ends at step {totalSteps}, not {metadata.TotalSteps}: the cosine learning rate is recomputed over the new length from step {metadata.Step} on, so the result equals no uninterrupted run"));
        }
    }

    /// <summary>
    /// With --resume: checks the checkpoint against the data and the run's length, loads its cut
    /// against the model and says where the run resumes (also into <paramref name="summary"/>); null without.
    /// </summary>
    public static TrainingCut? LoadCut((string Directory, CheckpointMetadata Metadata)? resume, TrainOptions options, ParameterLayout layout,
        DataOrder order, int totalSteps, Dataset trainSet, IDictionary<string, object?> summary)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(trainSet);
        ArgumentNullException.ThrowIfNull(summary);
        if (resume is not var (directory, metadata))
        {
            return null;
        }

        CheckAgainst(metadata, directory, totalSteps, options.Config.Workers, trainSet.Fingerprint, options.DataDirectory);
        var checkpoint = CheckpointStore.Load(directory, ModelTensors.Expected(layout));
        var cut = CheckpointWriter.Cut(directory, layout, checkpoint, options.Rule, options.Compensation, options.Config.Workers);
        var position = order.PositionOf(cut.Step);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"resuming from {directory} at step {cut.Step} of {totalSteps} (epoch {position.Epoch + 1}, step {position.StepInEpoch} of {order.StepsPerEpoch} in it)"));
        summary["resumed_from"] = Path.GetFullPath(directory);
        summary["resumed_at_step"] = cut.Step;
        return cut;
    }

    private static void Refuse<T>(ParsedOptions parsed, string flag, T given, T recorded)
        where T : IEquatable<T>
    {
        if (parsed.Has(flag) && !given.Equals(recorded))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--{flag} {given} differs from the checkpoint's {recorded}: it would change the result, so a resume cannot take it (drop the flag, or start a new run)"));
        }
    }
}
