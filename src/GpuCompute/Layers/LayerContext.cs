using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>The backend, the micro-batch size and this layer's parameter and gradient views.</summary>
public readonly record struct LayerContext(
    IComputeBackend Backend,
    int Batch,
    IReadOnlyList<TensorView> Parameters,
    IReadOnlyList<TensorView> Gradients)
{
    /// <summary>Allocates a stored activation: it lives until the stage's backward pass ends.</summary>
    public DeviceBuffer AllocateActivation(long perSampleElements) =>
        Backend.Allocate(perSampleElements * Batch, MemoryTag.Activations);

    /// <summary>Allocates a backward-pass temporary (gradients of activations).</summary>
    public DeviceBuffer AllocateWorkspace(long perSampleElements) =>
        Backend.Allocate(perSampleElements * Batch, MemoryTag.Workspace);
}
