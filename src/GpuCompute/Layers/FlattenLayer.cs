using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>CHW → features. NCHW is already row-major per sample, so this is a view: no copy, no storage.</summary>
public sealed class FlattenLayer : Layer
{
    public FlattenLayer(Shape3 input)
        : base(input)
    {
    }

    public override Shape3 Output => Shape3.Features(Input.Elements);

    public override string Description => "Flatten()";

    public override long ForwardFlopsPerSample => 0;

    public override long StoredActivationsPerSample => 0;

    public override LayerTape Forward(in LayerContext context, TensorView input) => new(input, input, []);

    public override DeviceBuffer? Backward(in LayerContext context, LayerTape tape, TensorView outputGradient, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }

        // The caller owns outputGradient and releases it after this call, so hand back a copy.
        var inputGradient = context.AllocateWorkspace(Input.Elements);
        context.Backend.Copy(outputGradient, inputGradient);
        return inputGradient;
    }
}
