using CyclicActors.GpuCompute.Data;

namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>The optimizer and data-order settings a run needs to resume exactly.</summary>
public sealed record TrainingHyperParameters(float LearningRate, float Momentum, float WeightDecay, int MicroBatch, int Workers);

/// <summary>
/// What a checkpoint records besides tensors; stored in checkpoint.json. Enough to resume the run
/// bit-for-bit: the model and its partition, the committed step, where the data order stands, the
/// seed, the hyper-parameters and the update rule.
/// </summary>
public sealed record CheckpointMetadata
{
    /// <summary>The model's registered name, e.g. "mnist-cnn".</summary>
    public required string ModelName { get; init; }

    /// <summary>A model from a file: its layers (<see cref="Models.ModelSpec.Text"/>), so evaluate and resume rebuild it with no flag; null for a preset.</summary>
    public string? ModelLayers { get; init; }

    /// <summary>Layers per stage: stage j is the next <c>Partition[j]</c> layers. Its length is the stage count L.</summary>
    public required int[] Partition { get; init; }

    /// <summary>Optimizer steps committed (applied on every stage) when the checkpoint was taken.</summary>
    public required long Step { get; init; }

    /// <summary>The next global batch to run; its epoch is the current epoch.</summary>
    public required DataPosition DataPosition { get; init; }

    /// <summary>The run's seed (data order, initialisation).</summary>
    public required ulong Seed { get; init; }

    /// <summary><see cref="Dataset.Fingerprint"/> of the training data, so a resume on other data is refused.</summary>
    public required string DatasetFingerprint { get; init; }

    public required TrainingHyperParameters HyperParameters { get; init; }

    /// <summary>The update rule, e.g. "dp", "cdp-v1" or "cdp-v2".</summary>
    public required string UpdateRule { get; init; }

    /// <summary>The optimizer, e.g. "sgd-momentum"; its state (momentum buffers) is in optimizer.safetensors.</summary>
    public required string Optimizer { get; init; }

    /// <summary>The run's length in steps when the checkpoint was taken (its learning-rate schedule spans it); null in format 1.</summary>
    public long? TotalSteps { get; init; }

    /// <summary>Delay compensation, "none" or "lookahead"; null in format 1.</summary>
    public string? Compensation { get; init; }

    /// <summary>CDP-v2's freshness rule; null for the other rules and in format 1.</summary>
    public string? Freshness { get; init; }

    /// <summary>"constant" or "cosine"; null in format 1.</summary>
    public string? LearningRateSchedule { get; init; }

    /// <summary>Steps the run skipped after a NaN or infinite value (--on-nonfinite skip); a resumed run skips them too. Null or empty: none.</summary>
    public IReadOnlyList<int>? SkippedSteps { get; init; }

    public int Stages => Partition.Length;

    public int Epoch => DataPosition.Epoch;

    /// <summary>Throws <see cref="ArgumentException"/> describing the first inconsistent field.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ModelName, nameof(ModelName));
        ArgumentException.ThrowIfNullOrWhiteSpace(UpdateRule, nameof(UpdateRule));
        ArgumentException.ThrowIfNullOrWhiteSpace(Optimizer, nameof(Optimizer));
        ArgumentException.ThrowIfNullOrWhiteSpace(DatasetFingerprint, nameof(DatasetFingerprint));
        ArgumentNullException.ThrowIfNull(Partition, nameof(Partition));
        ArgumentNullException.ThrowIfNull(HyperParameters, nameof(HyperParameters));
        if (Partition.Length == 0 || Partition.Any(layers => layers <= 0))
        {
            throw new ArgumentException($"Partition [{string.Join(", ", Partition)}] must list a positive layer count for each of at least one stage.");
        }

        if (Step < 0 || DataPosition.Epoch < 0 || DataPosition.StepInEpoch < 0)
        {
            throw new ArgumentException($"Step {Step} and data position ({DataPosition}) must not be negative.");
        }

        if (HyperParameters.MicroBatch <= 0 || HyperParameters.Workers <= 0)
        {
            throw new ArgumentException($"Micro-batch {HyperParameters.MicroBatch} and workers {HyperParameters.Workers} must be positive.");
        }

        float[] values = [HyperParameters.LearningRate, HyperParameters.Momentum, HyperParameters.WeightDecay];
        if (values.Any(v => !float.IsFinite(v)))
        {
            throw new ArgumentException($"Hyper-parameters {HyperParameters} must be finite.");
        }
    }

    /// <summary>Compares field by field (the record's default compares the partition array by reference).</summary>
    public bool SameAs(CheckpointMetadata other) =>
        this with { Partition = other.Partition } == other && Partition.AsSpan().SequenceEqual(other.Partition);
}

/// <summary>A loaded, validated checkpoint.</summary>
public sealed record Checkpoint(
    CheckpointMetadata Metadata,
    IReadOnlyDictionary<string, NamedTensor> Weights,
    IReadOnlyDictionary<string, NamedTensor> Momentum)
{
    /// <summary>The tensors of resume.safetensors (empty when the checkpoint has none), by name.</summary>
    public IReadOnlyDictionary<string, NamedTensor> Resume { get; init; } = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
}
