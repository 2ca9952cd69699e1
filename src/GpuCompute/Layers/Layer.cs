using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>
/// A layer of a sequential model, with an explicit forward and backward pass over a backend.
/// Shapes are per sample; the batch size comes with each call.
/// </summary>
public abstract class Layer
{
    protected Layer(Shape3 input) => Input = input;

    public Shape3 Input { get; }

    public abstract Shape3 Output { get; }

    /// <summary>PyTorch-like description, e.g. "Conv2d(1, 32, 3)".</summary>
    public abstract string Description { get; }

    public virtual IReadOnlyList<ParameterSpec> Parameters => [];

    public long ParameterElements => Parameters.Sum(p => p.Elements);

    /// <summary>Forward floating-point operations per sample (a multiply-add counts 2).</summary>
    public abstract long ForwardFlopsPerSample { get; }

    /// <summary>Floats per sample this layer stores from its forward until its backward.</summary>
    public abstract long StoredActivationsPerSample { get; }

    public abstract LayerTape Forward(in LayerContext context, TensorView input);

    /// <summary>
    /// Writes this layer's parameter gradients (overwriting) and, when <paramref name="needInputGradient"/>,
    /// returns a new workspace buffer with the gradient with respect to the input.
    /// </summary>
    public abstract DeviceBuffer? Backward(in LayerContext context, LayerTape tape, TensorView outputGradient, bool needInputGradient);
}
