using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Writes a run's cuts as checkpoints (on the <see cref="CheckpointQueue"/>'s thread): with
/// --checkpoint-every each into the series at --save, the newest --keep kept; otherwise only the
/// last, as the checkpoint at --save.
/// </summary>
internal sealed class CutCheckpoints(TrainOptions options, StagePartition partition, ParameterLayout layout, DataOrder order, Dataset trainSet, int totalSteps)
{
    public void Write(TrainingCut cut)
    {
        ArgumentNullException.ThrowIfNull(cut);
        var directory = options.SaveDirectory ?? throw new InvalidOperationException("Cuts are written only with --save.");
        var config = options.Config;
        string? freshness = options.Rule == UpdateRule.CdpV2 ? options.Freshness.ToCliName() : null;
        var metadata = CheckpointWriter.Metadata(partition, config, options.Rule.ToCliName(), order, trainSet, cut.Step, totalSteps, options.Compensation, freshness);
        var (weights, momentum, resume) = CheckpointWriter.Tensors(layout, cut, hasMomentum: config.Momentum > 0);
        if (options.CheckpointEvery > 0)
        {
            CheckpointSeries.Save(directory, cut.Step, options.Keep, metadata, weights, momentum, resume);
        }
        else if (cut.Step == totalSteps)
        {
            CheckpointStore.Save(directory, metadata, weights, momentum, resume);
        }
    }
}
