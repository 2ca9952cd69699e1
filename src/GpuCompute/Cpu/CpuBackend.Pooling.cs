using System.Runtime.CompilerServices;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// MaxPool2d without padding, with PyTorch's CPU rule for the arg-max: the first maximum in
/// row-major window order wins ties, and a NaN wins over any number, so NaNs propagate.
/// </summary>
public sealed partial class CpuBackend
{
    public void MaxPoolForward(TensorView x, TensorView y, Pool2dShape shape)
    {
        shape.Validate();
        x.RequireLength(shape.InputElements, "MaxPoolForward x");
        y.RequireLength(shape.OutputElements, "MaxPoolForward y");

        var geometry = new PoolGeometry(shape);
        ReadOnlySpan<float> input = Span(x);
        Span<float> output = Span(y);
        for (int p = 0; p < geometry.Planes; p++)
        {
            ReadOnlySpan<float> image = input.Slice(p * geometry.InPlane, geometry.InPlane);
            Span<float> pooled = output.Slice(p * geometry.OutPlane, geometry.OutPlane);
            for (int oh = 0; oh < geometry.OutHeight; oh++)
            {
                Span<float> pooledRow = pooled.Slice(oh * geometry.OutWidth, geometry.OutWidth);
                int vectorised = geometry.VectorisedWidth;
                if (vectorised > 0)
                {
                    MaxPool2x2.Forward(geometry.InputRow(image, 2 * oh), geometry.InputRow(image, (2 * oh) + 1), pooledRow, vectorised);
                }

                for (int ow = vectorised, start = (oh * geometry.RowStep) + (vectorised * geometry.Stride); ow < geometry.OutWidth; ow++, start += geometry.Stride)
                {
                    pooledRow[ow] = image[geometry.ArgMax(image, start)];
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

        // The arg-max is recomputed from x (rather than matched against y) so the rule is the forward's by construction.
        var geometry = new PoolGeometry(shape);
        ReadOnlySpan<float> input = Span(x), outputGradient = Span(dy);
        Span<float> inputGradient = Span(dx)[..(int)shape.InputElements];
        inputGradient.Clear();
        for (int p = 0; p < geometry.Planes; p++)
        {
            ReadOnlySpan<float> image = input.Slice(p * geometry.InPlane, geometry.InPlane);
            ReadOnlySpan<float> gradient = outputGradient.Slice(p * geometry.OutPlane, geometry.OutPlane);
            Span<float> target = inputGradient.Slice(p * geometry.InPlane, geometry.InPlane);
            for (int oh = 0; oh < geometry.OutHeight; oh++)
            {
                ReadOnlySpan<float> gradientRow = gradient.Slice(oh * geometry.OutWidth, geometry.OutWidth);
                int vectorised = geometry.VectorisedWidth;
                if (vectorised > 0)
                {
                    MaxPool2x2.Backward(
                        geometry.InputRow(image, 2 * oh), geometry.InputRow(image, (2 * oh) + 1), gradientRow,
                        geometry.InputRow(target, 2 * oh), geometry.InputRow(target, (2 * oh) + 1), vectorised);
                }

                for (int ow = vectorised, start = (oh * geometry.RowStep) + (vectorised * geometry.Stride); ow < geometry.OutWidth; ow++, start += geometry.Stride)
                {
                    // += because overlapping windows (stride < window) can share a maximum.
                    target[geometry.ArgMax(image, start)] += gradientRow[ow];
                }
            }
        }
    }

    /// <summary>The shape's derived sizes, computed once per call rather than per window (they divide).</summary>
    private readonly struct PoolGeometry(Pool2dShape shape)
    {
        private readonly int _width = shape.Width, _window = shape.Window;

        public int Planes { get; } = shape.Batch * shape.Channels;

        public int InPlane { get; } = shape.Height * shape.Width;

        public int OutPlane { get; } = shape.OutHeight * shape.OutWidth;

        public int OutHeight { get; } = shape.OutHeight;

        public int OutWidth { get; } = shape.OutWidth;

        public int Stride { get; } = shape.Stride;

        /// <summary>Input elements between the windows of consecutive output rows.</summary>
        public int RowStep { get; } = shape.Stride * shape.Width;

        /// <summary>Leading output columns of each row that <see cref="MaxPool2x2"/> handles (0 for other windows or without AVX-512).</summary>
        public int VectorisedWidth { get; } = shape.Window == 2 && shape.Stride == 2 && MaxPool2x2.IsSupported
            ? shape.OutWidth - (shape.OutWidth % MaxPool2x2.Step)
            : 0;

        public Span<float> InputRow(Span<float> plane, int row) => plane.Slice(row * _width, _width);

        public ReadOnlySpan<float> InputRow(ReadOnlySpan<float> plane, int row) => plane.Slice(row * _width, _width);

        /// <summary>Index within the plane of the maximum of the window whose top-left element is <paramref name="start"/>.</summary>
        public int ArgMax(ReadOnlySpan<float> image, int start)
        {
            int best = start;
            float bestValue = image[best];
            for (int kh = 0, row = start; kh < _window; kh++, row += _width)
            {
                for (int kw = 0; kw < _window; kw++)
                {
                    float v = image[row + kw];

                    // Strict > keeps the first of equal maxima; IsNaN lets a NaN through as torch does.
                    // The choice is applied with an all-ones/all-zeros mask instead of a branch: on
                    // activations it is a coin toss, and a mispredicted branch cost ~3x the whole
                    // window on the dev machine.
                    int take = -Unsafe.BitCast<bool, byte>((v > bestValue) | float.IsNaN(v));
                    best ^= (best ^ (row + kw)) & take;
                    int bestBits = BitConverter.SingleToInt32Bits(bestValue);
                    bestValue = BitConverter.Int32BitsToSingle(bestBits ^ ((bestBits ^ BitConverter.SingleToInt32Bits(v)) & take));
                }
            }

            return best;
        }
    }
}
