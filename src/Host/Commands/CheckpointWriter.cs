using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Checkpoints as `train` writes and resumes them: the run's metadata, and a <see cref="TrainingCut"/>
/// turned into tensor files and back. model.safetensors holds θ_k, optimizer.safetensors the momentum,
/// resume.safetensors what else the rule reads after k: <c>previous.NAME</c> (θ_{k−1}, CDP rules),
/// <c>previous_momentum.NAME</c> and <c>gradient.rankI.NAME</c> (look-ahead).
/// </summary>
internal static class CheckpointWriter
{
    private const string Previous = "previous.";
    private const string PreviousMomentum = "previous_momentum.";

    /// <summary>
    /// The end-of-run checkpoint of the one-thread engines and of cluster runs: θ_T and its momentum,
    /// without the run fields, since no cut stands behind it (evaluate reads it; --resume refuses it).
    /// </summary>
    public static void Save(string directory, ParameterLayout layout, StagePartition partition, TrainingConfig config, string rule, DataOrder order, Dataset trainSet, TrainingOutcome outcome)
    {
        var metadata = Metadata(partition, config, rule, order, trainSet, outcome.Steps, outcome.Steps, DelayCompensation.None, freshness: null) with
        {
            TotalSteps = null,
            Compensation = null,
            LearningRateSchedule = null,
        };
        var weights = ModelTensors.ToTensors(layout, outcome.FinalParameters);
        var momentum = config.Momentum > 0
            ? ModelTensors.ToTensors(layout, outcome.FinalMomentum.SelectMany(stage => stage).ToArray())
            : null;
        CheckpointStore.Save(directory, metadata, weights, momentum);
    }

    public static CheckpointMetadata Metadata(StagePartition partition, TrainingConfig config, string rule, DataOrder order, Dataset trainSet,
        long step, long totalSteps, DelayCompensation compensation, string? freshness) => new()
    {
        ModelName = config.Model,
        ModelLayers = config.ModelLayers,
        Partition = [.. partition.LayersPerStage],
        Step = step,
        DataPosition = order.PositionOf(step),
        Seed = config.Seed,
        DatasetFingerprint = trainSet.Fingerprint,
        HyperParameters = new TrainingHyperParameters(config.LearningRate, config.Momentum, config.WeightDecay, config.MicroBatch, config.Workers),
        UpdateRule = rule,
        Optimizer = "sgd",
        TotalSteps = totalSteps,
        Compensation = compensation.ToCliName(),
        Freshness = freshness,
        LearningRateSchedule = config.LearningRateSchedule,
    };

    /// <summary>The tensors of a cut: weights, momentum (none when the optimizer keeps none), and the resume file's.</summary>
    public static (IReadOnlyList<NamedTensor> Weights, IReadOnlyList<NamedTensor>? Momentum, IReadOnlyList<NamedTensor> Resume) Tensors(
        ParameterLayout layout, TrainingCut cut, bool hasMomentum)
    {
        var weights = Named(layout, cut, s => s.Parameters);
        var momentum = hasMomentum ? Named(layout, cut, s => s.Momentum) : null;
        var resume = new List<NamedTensor>();
        // Decided over all stages: one without parameters has empty parts whatever the rule reads.
        if (cut.Stages.Any(stage => stage.PreviousParameters.Length > 0))
        {
            resume.AddRange(Named(layout, cut, s => s.PreviousParameters, Previous));
        }

        if (cut.Stages.Any(stage => stage.PreviousMomentum.Length > 0))
        {
            resume.AddRange(Named(layout, cut, s => s.PreviousMomentum, PreviousMomentum));
        }

        for (var rank = 0; rank < cut.Stages.Max(stage => stage.LastGradients.Length); rank++)
        {
            resume.AddRange(Named(layout, cut, s => s.LastGradients[rank], GradientPrefix(rank)));
        }

        return (weights, momentum, resume);
    }

    /// <summary>
    /// The cut a checkpoint holds, with what <paramref name="rule"/> and <paramref name="compensation"/>
    /// read after its step; a tensor the run needs and the checkpoint lacks is a
    /// <see cref="CheckpointFormatException"/> naming the file and the tensor.
    /// </summary>
    public static TrainingCut Cut(string directory, ParameterLayout layout, Checkpoint checkpoint, UpdateRule rule, DelayCompensation compensation, int workers)
    {
        int step = checked((int)checkpoint.Metadata.Step);
        var resumeFile = Path.Combine(directory, CheckpointStore.ResumeFile);
        float[] Read(IReadOnlyDictionary<string, NamedTensor> tensors, string prefix, string file)
        {
            var missing = layout.Slots.Select(slot => prefix + slot.Name).FirstOrDefault(name => !tensors.ContainsKey(name));
            if (missing is not null)
            {
                throw new CheckpointFormatException(file, $"missing tensor '{missing}': a {rule.ToCliName()} run with {compensation.ToCliName()} compensation resumed at step {step} reads it (was the checkpoint written by another rule, or before format 2?)");
            }

            try
            {
                return ModelTensors.ToFlat(layout, tensors, prefix);
            }
            catch (ArgumentException e)
            {
                throw new CheckpointFormatException(file, e.Message);
            }
        }

        var parameters = ModelTensors.ToFlat(layout, checkpoint.Weights);
        var momentum = checkpoint.Momentum.Count > 0 ? ModelTensors.ToFlat(layout, checkpoint.Momentum) : new float[layout.TotalSize];
        var previous = TrainingCut.ReadsPreviousVersion(rule, step) ? Read(checkpoint.Resume, Previous, resumeFile) : [];
        bool lookahead = TrainingCut.ReadsLastGradients(rule, compensation, step);
        var previousMomentum = lookahead ? Read(checkpoint.Resume, PreviousMomentum, resumeFile) : [];
        var gradients = lookahead ? Enumerable.Range(0, workers).Select(rank => Read(checkpoint.Resume, GradientPrefix(rank), resumeFile)).ToArray() : [];
        var stages = new StageCut[layout.StageSizes.Count];
        long offset = 0;
        for (var stage = 0; stage < stages.Length; stage++)
        {
            int length = (int)layout.StageSizes[stage];
            float[] Slice(float[] flat) => flat.Length == 0 ? [] : flat.AsSpan((int)offset, length).ToArray();
            stages[stage] = new StageCut(stage, step, Slice(parameters), Slice(momentum), Slice(previous), Slice(previousMomentum), [.. gradients.Select(Slice)]);
            offset += length;
        }

        return new TrainingCut(step, stages) { SkippedSteps = checkpoint.Metadata.SkippedSteps ?? [] };
    }

    private static string GradientPrefix(int rank) => $"gradient.rank{rank}.";

    private static IReadOnlyList<NamedTensor> Named(ParameterLayout layout, TrainingCut cut, Func<StageCut, float[]> part, string prefix = "") =>
        ModelTensors.FromStages(layout, [.. cut.Stages.Select(part)], prefix);
}
