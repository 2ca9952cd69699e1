using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Layers;

/// <summary>
/// A basic residual block: y = ReLU(conv2(ReLU(conv1(x))) + shortcut(x)), where conv1 is 3x3 with
/// the block's stride and padding 1, conv2 is 3x3 stride 1 padding 1, and the shortcut is the
/// identity or, when the stride or channel count changes, a 1x1 convolution with the same stride.
/// The PyTorch equivalent (see docs/checkpoints.md) names its parameters conv1.*, conv2.* and proj.*.
/// </summary>
public sealed class ResidualBlock : Layer
{
    private readonly Conv2dLayer _conv1;
    private readonly Conv2dLayer _conv2;
    private readonly Conv2dLayer? _projection;

    public ResidualBlock(Shape3 input, int outChannels, int stride)
        : base(input)
    {
        _conv1 = new Conv2dLayer(input, outChannels, kernel: 3, stride, padding: 1);
        _conv2 = new Conv2dLayer(_conv1.Output, outChannels, kernel: 3, stride: 1, padding: 1);
        if (stride != 1 || input.Channels != outChannels)
        {
            _projection = new Conv2dLayer(input, outChannels, kernel: 1, stride, padding: 0);
        }
    }

    public bool HasProjection => _projection is not null;

    public override Shape3 Output => _conv2.Output;

    public override string Description =>
        $"ResidualBlock({Input.Channels}, {Output.Channels}, stride={_conv1.Stride}{(HasProjection ? ", projection" : "")})";

    public override IReadOnlyList<ParameterSpec> Parameters
    {
        get
        {
            var specs = new List<ParameterSpec>();
            specs.AddRange(_conv1.Parameters.Select(p => p with { Name = "conv1." + p.Name }));
            specs.AddRange(_conv2.Parameters.Select(p => p with { Name = "conv2." + p.Name }));
            if (_projection is not null)
            {
                specs.AddRange(_projection.Parameters.Select(p => p with { Name = "proj." + p.Name }));
            }

            return specs;
        }
    }

    public override long ForwardFlopsPerSample =>
        _conv1.ForwardFlopsPerSample + _conv2.ForwardFlopsPerSample + (_projection?.ForwardFlopsPerSample ?? 0) + (3L * Output.Elements);

    /// <summary>The inner ReLU output and the block output (conv outputs are rectified or summed in place).</summary>
    public override long StoredActivationsPerSample => 2L * Output.Elements;

    public override LayerTape Forward(in LayerContext context, TensorView input)
    {
        var backend = context.Backend;
        var inner = _conv1.Forward(Sub(context, 0), input);
        backend.ReluForward(inner.Output, inner.Output);
        var output = _conv2.Forward(Sub(context, 1), inner.Output);
        if (_projection is null)
        {
            backend.Axpy(1f, input, output.Output);
        }
        else
        {
            // The projection's output is added and dropped at once: a temporary, not a stored activation.
            var projection = Sub(context, 2);
            using var shortcut = context.AllocateWorkspace(Output.Elements);
            backend.Conv2dForward(input, projection.Parameters[0], projection.Parameters[1], shortcut, _projection.ShapeFor(context.Batch));
            backend.Axpy(1f, shortcut, output.Output);
        }

        backend.ReluForward(output.Output, output.Output);
        return new LayerTape(input, output.Output, [.. inner.Owned, .. output.Owned], [inner.Output]);
    }

    public override DeviceBuffer? Backward(in LayerContext context, LayerTape tape, TensorView outputGradient, bool needInputGradient)
    {
        var backend = context.Backend;
        var innerOutput = tape.Saved[0];

        using var sumGradient = context.AllocateWorkspace(Output.Elements);
        backend.ReluBackward(tape.Output, outputGradient, sumGradient);

        var conv2Tape = new LayerTape(innerOutput, tape.Output, []);
        using var innerGradient = _conv2.Backward(Sub(context, 1), conv2Tape, sumGradient, needInputGradient: true)!;
        backend.ReluBackward(innerOutput, innerGradient, innerGradient);

        var conv1Tape = new LayerTape(tape.Input, innerOutput, []);
        var inputGradient = _conv1.Backward(Sub(context, 0), conv1Tape, innerGradient, needInputGradient);

        if (_projection is null)
        {
            if (inputGradient is not null)
            {
                backend.Axpy(1f, sumGradient, inputGradient);
            }
        }
        else
        {
            var projectionTape = new LayerTape(tape.Input, tape.Output, []);
            using var shortcutGradient = _projection.Backward(Sub(context, 2), projectionTape, sumGradient, needInputGradient);
            if (inputGradient is not null && shortcutGradient is not null)
            {
                backend.Axpy(1f, shortcutGradient, inputGradient);
            }
        }

        return inputGradient;
    }

    // Parameters are laid out conv1 (w, b), conv2 (w, b), proj (w, b): sub-layer k owns entries 2k and 2k+1.
    private static LayerContext Sub(in LayerContext context, int index) => context with
    {
        Parameters = [context.Parameters[2 * index], context.Parameters[(2 * index) + 1]],
        Gradients = context.Gradients.Count == 0 ? [] : [context.Gradients[2 * index], context.Gradients[(2 * index) + 1]],
    };
}
