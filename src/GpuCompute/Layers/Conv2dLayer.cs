using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>PyTorch's Conv2d with bias: weight [out, in, k, k], square stride and zero padding.</summary>
public sealed class Conv2dLayer : Layer
{
    public Conv2dLayer(Shape3 input, int outChannels, int kernel, int stride = 1, int padding = 0)
        : base(input)
    {
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        ShapeFor(1).Validate();
    }

    public int OutChannels { get; }

    public int Kernel { get; }

    public int Stride { get; }

    public int Padding { get; }

    public override Shape3 Output
    {
        get
        {
            var shape = ShapeFor(1);
            return new Shape3(OutChannels, shape.OutHeight, shape.OutWidth);
        }
    }

    public override string Description =>
        $"Conv2d({Input.Channels}, {OutChannels}, {Kernel}{(Stride != 1 ? $", stride={Stride}" : "")}{(Padding != 0 ? $", padding={Padding}" : "")})";

    public override IReadOnlyList<ParameterSpec> Parameters =>
    [
        new("weight", [OutChannels, Input.Channels, Kernel, Kernel], Input.Channels * Kernel * Kernel),
        new("bias", [OutChannels], Input.Channels * Kernel * Kernel),
    ];

    public override long ForwardFlopsPerSample => 2L * Output.Elements * Input.Channels * Kernel * Kernel;

    public override long StoredActivationsPerSample => Output.Elements;

    public Conv2dShape ShapeFor(int batch) =>
        new(batch, Input.Channels, Input.Height, Input.Width, OutChannels, Kernel, Kernel, Stride, Padding);

    public override LayerTape Forward(in LayerContext context, TensorView input)
    {
        var output = context.AllocateActivation(Output.Elements);
        context.Backend.Conv2dForward(input, context.Parameters[0], context.Parameters[1], output, ShapeFor(context.Batch));
        return new LayerTape(input, output, [output]);
    }

    public override DeviceBuffer? Backward(in LayerContext context, LayerTape tape, TensorView outputGradient, bool needInputGradient)
    {
        var shape = ShapeFor(context.Batch);
        context.Backend.Conv2dBackwardParameters(tape.Input, outputGradient, context.Gradients[0], context.Gradients[1], shape);
        if (!needInputGradient)
        {
            return null;
        }

        var inputGradient = context.AllocateWorkspace(Input.Elements);
        context.Backend.Conv2dBackwardData(outputGradient, context.Parameters[0], inputGradient, shape);
        return inputGradient;
    }
}
