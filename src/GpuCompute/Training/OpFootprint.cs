using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;

namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// What one worker holds besides its parameters, gradients and stored activations, measured on the
/// backend that will train: the most bytes of temporaries (<see cref="MemoryTag.Workspace"/>:
/// gradients of activations, GEMM packing, im2col, library workspaces) live at once during one
/// micro-batch's forward and backward of every stage, and the micro-batch's input and labels.
/// Backend-specific (the CPU packs GEMM panels, cuDNN picks algorithms with workspaces), so it is
/// measured, with one pass on zeros on a pool of its own, instead of being modelled. What the pool
/// reserves differs from what is live at once both ways (blocks are cached by size; a backward's
/// temporaries may reuse the blocks of the activations it freed), so the larger is taken: a budget
/// check must not pass a run that then exceeds the budget.
/// </summary>
/// <param name="StageForwardBuffers">Per stage, the buffers its forward rents by size (<see cref="BufferSizeCounts.Window"/>): what a pool that caches by exact size ends up holding follows from these; null when not measured.</param>
/// <param name="StageBackwardBuffers">Per stage, the same for its backward.</param>
/// <param name="StageWorkspaceBytes">Per stage: the larger of its op's live temporaries and what the op makes the pool reserve beyond its stored activations. The live figure is the conservative one: under DP a backward's temporaries partly reuse the blocks of freed activations, which makes DP's prediction high (never low) by up to a quarter for mlp-deep; under CDP it matched the pool within 1 %.</param>
public sealed record OpFootprint(IReadOnlyList<long> StageWorkspaceBytes, long DataBytes, IReadOnlyList<OpBuffers>? StageForwardBuffers = null, IReadOnlyList<OpBuffers>? StageBackwardBuffers = null)
{
    /// <param name="createBackend">A backend on the device that will train, on a pool of its own, reporting to the given ledger.</param>
    /// <param name="timedPasses">
    /// Passes run after the measured one to time when in each op its buffers come and go
    /// (<see cref="OpBuffers.Events"/>, the median over these passes; the first pass on a fresh pool and
    /// fresh code is slowed by first touches and compilation where they fall). 0: no moments
    /// (<see cref="OpBuffers.Events"/> null), each op's buffers known only by its most and its net.
    /// </param>
    public static OpFootprint Measure(ModelDefinition model, StagePartition partition, int batch, Func<MemoryLedger, (IComputeBackend Backend, IDevicePool Pool)> createBackend, int timedPasses = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(createBackend);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(timedPasses);
        var sizes = new BufferSizeCounts();
        var ledger = new MemoryLedger(sizes: sizes);
        var (created, pool) = createBackend(ledger);
        using var backend = created;
        using var replica = new ModelReplica(model, partition, backend);
        using var samples = new SyntheticMicroBatch(backend, model, batch);
        var workspace = new long[replica.StageCount];
        var forward = new OpBuffers[replica.StageCount];
        var backward = new OpBuffers[replica.StageCount];
        OpBuffers Measured(int stage, Action op)
        {
            ledger.ResetPeaks();
            long reservedBefore = pool.ReservedBytes;
            long activationsBefore = ledger.LiveBytes(MemoryTag.Activations);
            var buffers = sizes.Window(op);
            long grown = pool.ReservedBytes - reservedBefore - Math.Max(0, ledger.LiveBytes(MemoryTag.Activations) - activationsBefore);
            workspace[stage] = Math.Max(workspace[stage], Math.Max(ledger.PeakBytes(MemoryTag.Workspace), grown));
            return buffers;
        }

        using (var pass = samples.BeginPass(replica))
        {
            for (int stage = 0; stage < replica.StageCount; stage++)
            {
                forward[stage] = Measured(stage, () => pass.Forward(stage));
            }

            for (int stage = replica.StageCount - 1; stage >= 0; stage--)
            {
                backward[stage] = Measured(stage, () => pass.Backward(stage));
            }
        }

        if (timedPasses > 0)
        {
            var forwardTimings = forward.Select(_ => new List<IReadOnlyList<BufferEvent>>()).ToArray();
            var backwardTimings = backward.Select(_ => new List<IReadOnlyList<BufferEvent>>()).ToArray();
            for (int timed = 0; timed < timedPasses; timed++)
            {
                using var pass = samples.BeginPass(replica);
                for (int stage = 0; stage < replica.StageCount; stage++)
                {
                    forwardTimings[stage].Add(sizes.Window(() => pass.Forward(stage)).Events!);
                }

                for (int stage = replica.StageCount - 1; stage >= 0; stage--)
                {
                    backwardTimings[stage].Add(sizes.Window(() => pass.Backward(stage)).Events!);
                }
            }

            forward = [.. forward.Select((op, stage) => Timed(op, forwardTimings[stage]))];
            backward = [.. backward.Select((op, stage) => Timed(op, backwardTimings[stage]))];
        }
        else
        {
            forward = [.. forward.Select(op => op with { Events = null })];
            backward = [.. backward.Select(op => op with { Events = null })];
        }

        return new OpFootprint(workspace, (long)batch * (model.InputShape.Elements + model.Classes) * sizeof(float), forward, backward);
    }

    /// <summary>
    /// <paramref name="op"/> with each event at the median of its times over the <paramref name="passes"/>
    /// whose rents and returns came in the same order (the same code on the same shapes does); its own times when none did.
    /// </summary>
    private static OpBuffers Timed(OpBuffers op, IReadOnlyList<IReadOnlyList<BufferEvent>> passes)
    {
        var events = op.Events!;
        var alike = passes.Where(op.SameRentsAndReturns).ToArray();
        if (alike.Length == 0)
        {
            return op;
        }

        return op with
        {
            Events = [.. events.Select((e, index) => e with { At = Statistics.Median(alike.Select(pass => pass[index].At)) })],
        };
    }
}
