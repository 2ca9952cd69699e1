using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Conv2d as im2col + GEMM, one sample at a time: with col = unfold(x[n]) of shape [P, OH·OW]
/// (P = Cin·KH·KW) and W viewed as [Cout, P], y[n] = W·col + b, col' = Wᵀ·dy[n] then
/// dx[n] = fold(col'), and dW = Σ_n dy[n]·colᵀ. Per-sample GEMMs keep each sample's output
/// independent of the rest of the batch.
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

        int patch = shape.PatchSize, plane = shape.OutHeight * shape.OutWidth;
        int inSample = shape.InChannels * shape.Height * shape.Width, outSample = shape.OutChannels * plane;
        ReadOnlySpan<float> input = Span(x), weights = Span(w), bias = Span(b);
        Span<float> output = Span(y);
        using var columns = Allocate((long)patch * plane, MemoryTag.Workspace);
        Span<float> col = Span(columns);
        for (int n = 0; n < shape.Batch; n++)
        {
            Im2Col.Unfold(input.Slice(n * inSample, inSample), col, shape);
            Span<float> sample = output.Slice(n * outSample, outSample);
            Multiply(shape.OutChannels, plane, patch, weights, patch, 1, col, plane, 1, sample, plane, accumulate: false);
            AddChannelBias(sample, bias, shape.OutChannels, plane);
        }
    }

    public void Conv2dBackwardData(TensorView dy, TensorView w, TensorView dx, Conv2dShape shape)
    {
        shape.Validate();
        dy.RequireLength(shape.OutputElements, "Conv2dBackwardData dy");
        w.RequireLength(shape.WeightElements, "Conv2dBackwardData w");
        dx.RequireLength(shape.InputElements, "Conv2dBackwardData dx");

        int patch = shape.PatchSize, plane = shape.OutHeight * shape.OutWidth;
        int inSample = shape.InChannels * shape.Height * shape.Width, outSample = shape.OutChannels * plane;
        ReadOnlySpan<float> outputGradient = Span(dy), weights = Span(w);
        Span<float> inputGradient = Span(dx);
        using var columns = Allocate((long)patch * plane, MemoryTag.Workspace);
        Span<float> col = Span(columns);
        for (int n = 0; n < shape.Batch; n++)
        {
            // col[P, OH·OW] = Wᵀ·dy[n]: A(i,k) = W[k,i].
            Multiply(patch, plane, shape.OutChannels, weights, 1, patch, outputGradient.Slice(n * outSample, outSample), plane, 1, col, plane, accumulate: false);
            Im2Col.Fold(col, inputGradient.Slice(n * inSample, inSample), shape);
        }
    }

    public void Conv2dBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, Conv2dShape shape)
    {
        shape.Validate();
        x.RequireLength(shape.InputElements, "Conv2dBackwardParameters x");
        dy.RequireLength(shape.OutputElements, "Conv2dBackwardParameters dy");
        dw.RequireLength(shape.WeightElements, "Conv2dBackwardParameters dw");
        db.RequireLength(shape.OutChannels, "Conv2dBackwardParameters db");

        int patch = shape.PatchSize, plane = shape.OutHeight * shape.OutWidth;
        int inSample = shape.InChannels * shape.Height * shape.Width, outSample = shape.OutChannels * plane;
        ReadOnlySpan<float> input = Span(x), outputGradient = Span(dy);
        Span<float> weightGradient = Span(dw), biasGradient = Span(db)[..shape.OutChannels];
        using var columns = Allocate((long)patch * plane, MemoryTag.Workspace);
        Span<float> col = Span(columns);
        biasGradient.Clear();
        for (int n = 0; n < shape.Batch; n++)
        {
            Im2Col.Unfold(input.Slice(n * inSample, inSample), col, shape);
            ReadOnlySpan<float> sampleGradient = outputGradient.Slice(n * outSample, outSample);

            // dW[Cout, P] (+)= dy[n]·colᵀ: B(k,j) = col[j,k].
            Multiply(shape.OutChannels, patch, plane, sampleGradient, plane, 1, col, 1, plane, weightGradient, patch, accumulate: n > 0);
            AccumulateChannelSums(sampleGradient, biasGradient, shape.OutChannels, plane);
        }
    }

    private static void AddChannelBias(Span<float> sample, ReadOnlySpan<float> bias, int channels, int plane)
    {
        for (int c = 0; c < channels; c++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(sample.Slice(c * plane, plane), bias[c], sample.Slice(c * plane, plane));
        }
    }

    private static void AccumulateChannelSums(ReadOnlySpan<float> sample, Span<float> totals, int channels, int plane)
    {
        for (int c = 0; c < channels; c++)
        {
            totals[c] += SumInOrder(sample.Slice(c * plane, plane));
        }
    }

    /// <summary>A left-to-right sum: TensorPrimitives.Sum's association depends on the vector width.</summary>
    private static float SumInOrder(ReadOnlySpan<float> values)
    {
        float sum = 0f;
        foreach (float v in values)
        {
            sum += v;
        }

        return sum;
    }
}
