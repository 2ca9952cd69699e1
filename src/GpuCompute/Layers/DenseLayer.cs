using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>PyTorch's Linear: y = x·Wᵀ + b with W [out, in].</summary>
public sealed class DenseLayer : Layer
{
    public DenseLayer(Shape3 input, int outFeatures)
        : base(input)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        OutFeatures = outFeatures;
    }

    public int InFeatures => Input.Elements;

    public int OutFeatures { get; }

    public override Shape3 Output => Shape3.Features(OutFeatures);

    public override string Description => $"Linear({InFeatures}, {OutFeatures})";

    public override IReadOnlyList<ParameterSpec> Parameters =>
    [
        new("weight", [OutFeatures, InFeatures], InFeatures),
        new("bias", [OutFeatures], InFeatures),
    ];

    public override long ForwardFlopsPerSample => 2L * InFeatures * OutFeatures;

    public override long StoredActivationsPerSample => OutFeatures;

    public override LayerTape Forward(in LayerContext context, TensorView input)
    {
        var output = context.AllocateActivation(OutFeatures);
        context.Backend.DenseForward(input, context.Parameters[0], context.Parameters[1], output, context.Batch, InFeatures, OutFeatures);
        return new LayerTape(input, output, [output]);
    }

    public override DeviceBuffer? Backward(in LayerContext context, LayerTape tape, TensorView outputGradient, bool needInputGradient)
    {
        context.Backend.DenseBackwardParameters(tape.Input, outputGradient, context.Gradients[0], context.Gradients[1], context.Batch, InFeatures, OutFeatures);
        if (!needInputGradient)
        {
            return null;
        }

        var inputGradient = context.AllocateWorkspace(InFeatures);
        context.Backend.DenseBackwardData(outputGradient, context.Parameters[0], inputGradient, context.Batch, InFeatures, OutFeatures);
        return inputGradient;
    }
}
