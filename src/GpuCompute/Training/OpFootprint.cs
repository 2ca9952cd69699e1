using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;

namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// What one worker holds besides its parameters, gradients and stored activations, measured on the
/// backend that will train: the most bytes of temporaries (<see cref="MemoryTag.Workspace"/>:
/// gradients of activations, GEMM packing, im2col, library workspaces) live at once during one
/// micro-batch's forward and backward of every stage, and the micro-batch's input and labels.
/// Backend-specific (the CPU packs GEMM panels, cuDNN picks algorithms with workspaces), so it is
/// measured, with one pass on zeros, instead of being modelled.
/// </summary>
public sealed record OpFootprint(long WorkspaceBytes, long DataBytes)
{
    /// <param name="createBackend">A backend on the device that will train, reporting to the given ledger.</param>
    public static OpFootprint Measure(ModelDefinition model, StagePartition partition, int batch, Func<MemoryLedger, IComputeBackend> createBackend)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(createBackend);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var ledger = new MemoryLedger();
        using var backend = createBackend(ledger);
        using var replica = new ModelReplica(model, partition, backend);
        using var input = backend.Allocate((long)batch * model.InputShape.Elements, MemoryTag.Data);
        using var labels = backend.Allocate((long)batch * model.Classes, MemoryTag.Data);
        var oneHot = new float[(long)batch * model.Classes];
        for (int sample = 0; sample < batch; sample++)
        {
            oneHot[(sample * model.Classes) + (sample % model.Classes)] = 1f;
        }

        backend.Upload(new float[(long)batch * model.InputShape.Elements], input);
        backend.Upload(oneHot, labels);
        using (var pass = replica.BeginPass(input, labels, batch))
        {
            for (int stage = 0; stage < replica.StageCount; stage++)
            {
                pass.Forward(stage);
            }

            for (int stage = replica.StageCount - 1; stage >= 0; stage--)
            {
                pass.Backward(stage);
            }
        }

        return new OpFootprint(ledger.PeakBytes(MemoryTag.Workspace), ledger.PeakBytes(MemoryTag.Data));
    }
}
