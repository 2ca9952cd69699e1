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
internal sealed class CutCheckpoints(TrainOptions options, StagePartition partition, ParameterLayout layout, Dataset trainSet, int totalSteps)
{
    /// <summary>Whether the checkpoint at <paramref name="step"/> is one to write (cuts taken only to roll a cluster run back are not).</summary>
    public bool Wanted(int step) => options.SaveDirectory is not null && ((options.CheckpointEvery > 0 && step % options.CheckpointEvery == 0) || step == totalSteps);

    public void Write(TrainingCut cut)
    {
        ArgumentNullException.ThrowIfNull(cut);
        var directory = options.SaveDirectory ?? throw new InvalidOperationException("Cuts are written only with --save.");
        // A cluster run that shrank took the cut with fewer workers: its data order and metadata follow them.
        var config = cut.Workers > 0 ? options.Config with { Workers = cut.Workers } : options.Config;
        var order = new DataOrder(config.Seed, trainSet.Count, config.MicroBatch, config.Workers);
        string? freshness = options.Rule == UpdateRule.CdpV2 ? options.Freshness.ToCliName() : null;
        var metadata = CheckpointWriter.Metadata(partition, config, options.Rule.ToCliName(), order, trainSet, cut.Step, totalSteps, options.Compensation, freshness)
            with { SkippedSteps = cut.SkippedSteps.Count > 0 ? cut.SkippedSteps : null };
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
