using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>ReLU that stores its output (like PyTorch's nn.ReLU(inplace=False)).</summary>
public sealed class ReluLayer : Layer
{
    public ReluLayer(Shape3 input)
        : base(input)
    {
    }

    public override Shape3 Output => Input;

    public override string Description => "ReLU()";

    public override long ForwardFlopsPerSample => Input.Elements;

    public override long StoredActivationsPerSample => Input.Elements;

    public override LayerTape Forward(in LayerContext context, TensorView input)
    {
        var output = context.AllocateActivation(Input.Elements);
        context.Backend.ReluForward(input, output);
        return new LayerTape(input, output, [output]);
    }

    public override DeviceBuffer? Backward(in LayerContext context, LayerTape tape, TensorView outputGradient, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }

        var inputGradient = context.AllocateWorkspace(Input.Elements);
        context.Backend.ReluBackward(tape.Output, outputGradient, inputGradient);
        return inputGradient;
    }
}
