using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>MaxPool2d without padding; ties go to the first maximum in row-major window order, as in PyTorch.</summary>
public sealed partial class CpuBackend
{
    public void MaxPoolForward(TensorView x, TensorView y, Pool2dShape shape)
    {
        shape.Validate();
        x.RequireLength(shape.InputElements, "MaxPoolForward x");
        y.RequireLength(shape.OutputElements, "MaxPoolForward y");

        ReadOnlySpan<float> input = Span(x);
        Span<float> output = Span(y);
        int planes = shape.Batch * shape.Channels, inPlane = shape.Height * shape.Width, outPlane = shape.OutHeight * shape.OutWidth;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> image = input.Slice(p * inPlane, inPlane);
            Span<float> pooled = output.Slice(p * outPlane, outPlane);
            for (int oh = 0, o = 0; oh < shape.OutHeight; oh++)
            {
                for (int ow = 0; ow < shape.OutWidth; ow++, o++)
                {
                    pooled[o] = image[ArgMax(image, shape, oh, ow)];
                }
            }
        }
    }

    public void MaxPoolBackward(TensorView x, TensorView y, TensorView dy, TensorView dx, Pool2dShape shape)
    {
        shape.Validate();
        x.RequireLength(shape.InputElements, "MaxPoolBackward x");
        y.RequireLength(shape.OutputElements, "MaxPoolBackward y");
        dy.RequireLength(shape.OutputElements, "MaxPoolBackward dy");
        dx.RequireLength(shape.InputElements, "MaxPoolBackward dx");

        // The arg-max is recomputed from x (rather than matched against y) so the tie rule is the forward's by construction.
        ReadOnlySpan<float> input = Span(x), outputGradient = Span(dy);
        Span<float> inputGradient = Span(dx)[..(int)shape.InputElements];
        inputGradient.Clear();
        int planes = shape.Batch * shape.Channels, inPlane = shape.Height * shape.Width, outPlane = shape.OutHeight * shape.OutWidth;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> image = input.Slice(p * inPlane, inPlane);
            ReadOnlySpan<float> gradient = outputGradient.Slice(p * outPlane, outPlane);
            Span<float> target = inputGradient.Slice(p * inPlane, inPlane);
            for (int oh = 0, o = 0; oh < shape.OutHeight; oh++)
            {
                for (int ow = 0; ow < shape.OutWidth; ow++, o++)
                {
                    // += because overlapping windows (stride < window) can share a maximum.
                    target[ArgMax(image, shape, oh, ow)] += gradient[o];
                }
            }
        }
    }

    /// <summary>Index within the plane of the first maximum of window (oh, ow); strict &gt; keeps the first of equals.</summary>
    private static int ArgMax(ReadOnlySpan<float> image, in Pool2dShape shape, int oh, int ow)
    {
        int top = oh * shape.Stride, left = ow * shape.Stride;
        int best = (top * shape.Width) + left;
        float bestValue = image[best];
        for (int kh = 0; kh < shape.Window; kh++)
        {
            int rowStart = ((top + kh) * shape.Width) + left;
            for (int kw = 0; kw < shape.Window; kw++)
            {
                float v = image[rowStart + kw];
                if (v > bestValue)
                {
                    bestValue = v;
                    best = rowStart + kw;
                }
            }
        }

        return best;
    }
}
