using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>
/// What one layer's forward pass keeps for its backward pass: its input and output views, the
/// buffers it owns (released when the stage's backward is done) and any extra saved views.
/// </summary>
public sealed class LayerTape
{
    public LayerTape(TensorView input, TensorView output, IReadOnlyList<DeviceBuffer> owned, IReadOnlyList<TensorView>? saved = null)
    {
        Input = input;
        Output = output;
        Owned = owned;
        Saved = saved ?? [];
    }

    public TensorView Input { get; }

    public TensorView Output { get; }

    public IReadOnlyList<DeviceBuffer> Owned { get; }

    public IReadOnlyList<TensorView> Saved { get; }

    public void Release()
    {
        foreach (var buffer in Owned)
        {
            buffer.Dispose();
        }
    }
}
