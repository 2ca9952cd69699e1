using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;

namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// A micro-batch of made-up samples on a backend, for measuring a pass (what it holds, how long it
/// takes), never for learning: the given pixels (zeros when none are given), sample s labelled
/// s mod classes. Owns its two device buffers.
/// </summary>
public sealed class SyntheticMicroBatch : IDisposable
{
    public SyntheticMicroBatch(IComputeBackend backend, ModelDefinition model, int batch, float[]? pixels = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        long elements = (long)batch * model.InputShape.Elements;
        if (pixels is not null && pixels.LongLength != elements)
        {
            throw new ArgumentException($"{pixels.LongLength} pixels for a micro-batch of {batch} samples of {model.InputShape.Elements}.", nameof(pixels));
        }

        Input = backend.Allocate(elements, MemoryTag.Data);
        Labels = backend.Allocate((long)batch * model.Classes, MemoryTag.Data);
        var oneHot = new float[(long)batch * model.Classes];
        for (int sample = 0; sample < batch; sample++)
        {
            oneHot[(sample * model.Classes) + (sample % model.Classes)] = 1f;
        }

        backend.Upload(pixels ?? new float[elements], Input);
        backend.Upload(oneHot, Labels);
        Batch = batch;
    }

    public DeviceBuffer Input { get; }

    /// <summary>One-hot labels, [batch, classes].</summary>
    public DeviceBuffer Labels { get; }

    public int Batch { get; }

    /// <summary>A forward and backward pass of this micro-batch through <paramref name="replica"/>.</summary>
    public MicroBatchPass BeginPass(ModelReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return replica.BeginPass(Input, Labels, Batch);
    }

    public void Dispose()
    {
        Input.Dispose();
        Labels.Dispose();
    }
}
