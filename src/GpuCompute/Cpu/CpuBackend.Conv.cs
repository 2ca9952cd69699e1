using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Conv2d as im2col + GEMM, one sample at a time: with col = unfold(x[n]) of shape [P, OH·OW]
/// (P = Cin·KH·KW) and W viewed as [Cout, P], y[n] = W·col + b, col' = Wᵀ·dy[n] then
/// dx[n] = fold(col'), and dW = Σ_n dy[n]·colᵀ. Per-sample GEMMs keep each sample's output
/// independent of the rest of the batch, and bound the column buffer to one sample.
/// A 1×1, stride-1, unpadded convolution has col = x[n], so it skips the unfold/fold copies.
/// </summary>
public sealed partial class CpuBackend
{
    public void Conv2dForward(TensorView x, TensorView w, TensorView b, TensorView y, Conv2dShape shape)
    {
        shape.Validate();
        x.RequireLength(shape.InputElements, "Conv2dForward x");
        w.RequireLength(shape.WeightElements, "Conv2dForward w");
        b.RequireLength(shape.OutChannels, "Conv2dForward b");
        y.RequireLength(shape.OutputElements, "Conv2dForward y");

        var layout = new ConvLayout(shape);
        ReadOnlySpan<float> input = Span(x), weights = Span(w), bias = Span(b);
        Span<float> output = Span(y);
        using DeviceBuffer? columns = RentColumns(layout);
        using DeviceBuffer packing = RentGemmWorkspace(shape.OutChannels, layout.Plane, layout.Patch);
        using DeviceBuffer packedWeights = PackOnce(shape.OutChannels, layout.Patch, weights, layout.Patch, 1);
        Span<float> col = columns is null ? default : Span(columns), work = Span(packing);
        for (int n = 0; n < shape.Batch; n++)
        {
            ReadOnlySpan<float> sampleColumns = Unfold(input.Slice(n * layout.InSample, layout.InSample), col, layout);
            Span<float> sample = output.Slice(n * layout.OutSample, layout.OutSample);
            Gemm.MultiplyPackedA(shape.OutChannels, layout.Plane, layout.Patch, Span(packedWeights), sampleColumns, layout.Plane, 1, sample, layout.Plane, accumulate: false, work);
            AddChannelBias(sample, bias, shape.OutChannels, layout.Plane);
        }
    }

    public void Conv2dBackwardData(TensorView dy, TensorView w, TensorView dx, Conv2dShape shape)
    {
        shape.Validate();
        dy.RequireLength(shape.OutputElements, "Conv2dBackwardData dy");
        w.RequireLength(shape.WeightElements, "Conv2dBackwardData w");
        dx.RequireLength(shape.InputElements, "Conv2dBackwardData dx");

        var layout = new ConvLayout(shape);
        ReadOnlySpan<float> outputGradient = Span(dy), weights = Span(w);
        Span<float> inputGradient = Span(dx);
        using DeviceBuffer? columns = RentColumns(layout);
        using DeviceBuffer packing = RentGemmWorkspace(layout.Patch, layout.Plane, shape.OutChannels);
        using DeviceBuffer packedWeights = PackOnce(layout.Patch, shape.OutChannels, weights, 1, layout.Patch);
        Span<float> col = columns is null ? default : Span(columns), work = Span(packing);
        for (int n = 0; n < shape.Batch; n++)
        {
            Span<float> sampleGradient = inputGradient.Slice(n * layout.InSample, layout.InSample);

            // col'[P, OH·OW] = Wᵀ·dy[n] (A(i,k) = W[k,i]); for a pointwise convolution col' is dx[n] itself.
            Span<float> target = layout.IsPointwise ? sampleGradient : col;
            Gemm.MultiplyPackedA(layout.Patch, layout.Plane, shape.OutChannels, Span(packedWeights), outputGradient.Slice(n * layout.OutSample, layout.OutSample), layout.Plane, 1, target, layout.Plane, accumulate: false, work);
            if (!layout.IsPointwise)
            {
                Im2Col.Fold(col, sampleGradient, shape);
            }
        }
    }

    public void Conv2dBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, Conv2dShape shape)
    {
        shape.Validate();
        x.RequireLength(shape.InputElements, "Conv2dBackwardParameters x");
        dy.RequireLength(shape.OutputElements, "Conv2dBackwardParameters dy");
        dw.RequireLength(shape.WeightElements, "Conv2dBackwardParameters dw");
        db.RequireLength(shape.OutChannels, "Conv2dBackwardParameters db");

        var layout = new ConvLayout(shape);
        ReadOnlySpan<float> input = Span(x), outputGradient = Span(dy);
        Span<float> weightGradient = Span(dw), biasGradient = Span(db)[..shape.OutChannels];
        using DeviceBuffer? columns = RentColumns(layout);
        using DeviceBuffer packing = RentGemmWorkspace(shape.OutChannels, layout.Patch, layout.Plane);
        Span<float> col = columns is null ? default : Span(columns), work = Span(packing);
        biasGradient.Clear();
        for (int n = 0; n < shape.Batch; n++)
        {
            ReadOnlySpan<float> sampleColumns = Unfold(input.Slice(n * layout.InSample, layout.InSample), col, layout);
            ReadOnlySpan<float> sampleGradient = outputGradient.Slice(n * layout.OutSample, layout.OutSample);

            // dW[Cout, P] (+)= dy[n]·colᵀ (B(k,j) = col[j,k]); samples are added in batch order.
            Gemm.Multiply(shape.OutChannels, layout.Patch, layout.Plane, sampleGradient, layout.Plane, 1, sampleColumns, 1, layout.Plane, weightGradient, layout.Patch, accumulate: n > 0, work);
            AccumulateChannelSums(sampleGradient, biasGradient, shape.OutChannels, layout.Plane);
        }
    }

    /// <summary>The weights as the GEMM's A operand, packed once per call instead of once per sample.</summary>
    private DeviceBuffer PackOnce(int rows, int depth, ReadOnlySpan<float> a, int rowStride, int colStride)
    {
        DeviceBuffer packed = Allocate(Gemm.PackedALength(rows, depth), MemoryTag.Workspace);
        Gemm.PackA(rows, depth, a, rowStride, colStride, Span(packed));
        return packed;
    }

    /// <summary>The column buffer of one sample, or none for a pointwise convolution.</summary>
    private DeviceBuffer? RentColumns(in ConvLayout layout) =>
        layout.IsPointwise ? null : Allocate((long)layout.Patch * layout.Plane, MemoryTag.Workspace);

    private static ReadOnlySpan<float> Unfold(ReadOnlySpan<float> image, Span<float> columns, in ConvLayout layout)
    {
        if (layout.IsPointwise)
        {
            return image;
        }

        Im2Col.Unfold(image, columns, layout.Shape);
        return columns;
    }

    private static void AddChannelBias(Span<float> sample, ReadOnlySpan<float> bias, int channels, int plane)
    {
        for (int c = 0; c < channels; c++)
        {
            Span<float> channel = sample.Slice(c * plane, plane);
            System.Numerics.Tensors.TensorPrimitives.Add(channel, bias[c], channel);
        }
    }

    /// <summary>
    /// totals[c] += Σ of channel c. TensorPrimitives.Sum's association depends on the vector width,
    /// so it is reproducible on one machine (what we require), not across instruction sets.
    /// </summary>
    private static void AccumulateChannelSums(ReadOnlySpan<float> sample, Span<float> totals, int channels, int plane)
    {
        for (int c = 0; c < channels; c++)
        {
            totals[c] += System.Numerics.Tensors.TensorPrimitives.Sum(sample.Slice(c * plane, plane));
        }
    }

    /// <summary>Sizes derived once per call from a validated shape.</summary>
    private readonly struct ConvLayout(Conv2dShape shape)
    {
        public Conv2dShape Shape { get; } = shape;

        /// <summary>Rows of the column matrix, Cin·KH·KW.</summary>
        public int Patch { get; } = shape.PatchSize;

        /// <summary>Columns of the column matrix, OH·OW.</summary>
        public int Plane { get; } = shape.OutHeight * shape.OutWidth;

        public int InSample { get; } = shape.InChannels * shape.Height * shape.Width;

        public int OutSample { get; } = shape.OutChannels * shape.OutHeight * shape.OutWidth;

        /// <summary>1×1, stride 1, no padding: the column matrix is the image itself.</summary>
        public bool IsPointwise { get; } = shape.KernelH == 1 && shape.KernelW == 1 && shape.Stride == 1 && shape.Padding == 0;
    }
}
