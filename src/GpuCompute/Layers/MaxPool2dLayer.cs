using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>PyTorch's MaxPool2d(window, stride = window), no padding.</summary>
public sealed class MaxPool2dLayer : Layer
{
    public MaxPool2dLayer(Shape3 input, int window)
        : base(input)
    {
        Window = window;
        ShapeFor(1).Validate();
    }

    public int Window { get; }

    public override Shape3 Output
    {
        get
        {
            var shape = ShapeFor(1);
            return new Shape3(Input.Channels, shape.OutHeight, shape.OutWidth);
        }
    }

    public override string Description => $"MaxPool2d({Window})";

    public override long ForwardFlopsPerSample => (long)Output.Elements * Window * Window;

    public override long StoredActivationsPerSample => Output.Elements;

    public Pool2dShape ShapeFor(int batch) => new(batch, Input.Channels, Input.Height, Input.Width, Window, Window);

    public override LayerTape Forward(in LayerContext context, TensorView input)
    {
        var output = context.AllocateActivation(Output.Elements);
        context.Backend.MaxPoolForward(input, output, ShapeFor(context.Batch));
        return new LayerTape(input, output, [output]);
    }

    public override DeviceBuffer? Backward(in LayerContext context, LayerTape tape, TensorView outputGradient, bool needInputGradient)
    {
        if (!needInputGradient)
        {
            return null;
        }

        var inputGradient = context.AllocateWorkspace(Input.Elements);
        context.Backend.MaxPoolBackward(tape.Input, tape.Output, outputGradient, inputGradient, ShapeFor(context.Batch));
        return inputGradient;
    }
}
