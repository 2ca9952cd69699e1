using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Host.Commands;

/// <summary>Writes the end-of-run checkpoint (weights, momentum, and where the data order stands).</summary>
internal static class CheckpointWriter
{
    public static void Save(string directory, ParameterLayout layout, StagePartition partition, TrainingConfig config, string rule, DataOrder order, Dataset trainSet, TrainingOutcome outcome)
    {
        var metadata = new CheckpointMetadata
        {
            ModelName = config.Model,
            Partition = partition.LayersPerStage.ToArray(),
            Step = outcome.Steps,
            DataPosition = order.PositionOf(outcome.Steps),
            Seed = config.Seed,
            DatasetFingerprint = trainSet.Fingerprint,
            HyperParameters = new TrainingHyperParameters(config.LearningRate, config.Momentum, config.WeightDecay, config.MicroBatch, config.Workers),
            UpdateRule = rule,
            Optimizer = "sgd",
        };
        var weights = ModelTensors.ToTensors(layout, outcome.FinalParameters);
        var momentum = config.Momentum > 0
            ? ModelTensors.ToTensors(layout, outcome.FinalMomentum.SelectMany(stage => stage).ToArray())
            : null;
        CheckpointStore.Save(directory, metadata, weights, momentum);
    }
}
