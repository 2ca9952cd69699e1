using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Host.Commands;

internal static class CheckpointWriter
{
    public static void Save(string directory, ModelDefinition model, StagePartition partition, TrainingConfig config, string rule, DataOrder order, TrainingOutcome outcome) =>
        throw new NotSupportedException("checkpoints are not wired yet");
}
