using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>Fully connected layer, PyTorch Linear layout: w is [out,in], x is [B,in], y is [B,out].</summary>
public sealed partial class CpuBackend
{
    public void DenseForward(TensorView x, TensorView w, TensorView b, TensorView y, int batch, int inFeatures, int outFeatures)
    {
        RequireDense(batch, inFeatures, outFeatures);
        x.RequireLength((long)batch * inFeatures, "DenseForward x");
        w.RequireLength((long)outFeatures * inFeatures, "DenseForward w");
        b.RequireLength(outFeatures, "DenseForward b");
        y.RequireLength((long)batch * outFeatures, "DenseForward y");

        // y = x·wᵀ: B(k,j) = w[j,k], i.e. w read with row stride 1 and column stride inFeatures.
        Multiply(
            batch, outFeatures, inFeatures,
            Span(x), inFeatures, 1,
            Span(w), 1, inFeatures,
            Span(y), outFeatures, accumulate: false);

        ReadOnlySpan<float> bias = Span(b)[..outFeatures];
        Span<float> output = Span(y);
        for (int i = 0; i < batch; i++)
        {
            Span<float> row = output.Slice(i * outFeatures, outFeatures);
            System.Numerics.Tensors.TensorPrimitives.Add(row, bias, row);
        }
    }

    public void DenseBackwardData(TensorView dy, TensorView w, TensorView dx, int batch, int inFeatures, int outFeatures)
    {
        RequireDense(batch, inFeatures, outFeatures);
        dy.RequireLength((long)batch * outFeatures, "DenseBackwardData dy");
        w.RequireLength((long)outFeatures * inFeatures, "DenseBackwardData w");
        dx.RequireLength((long)batch * inFeatures, "DenseBackwardData dx");

        // dx[B,in] = dy[B,out]·w[out,in].
        Multiply(
            batch, inFeatures, outFeatures,
            Span(dy), outFeatures, 1,
            Span(w), inFeatures, 1,
            Span(dx), inFeatures, accumulate: false);
    }

    public void DenseBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, int batch, int inFeatures, int outFeatures)
    {
        RequireDense(batch, inFeatures, outFeatures);
        x.RequireLength((long)batch * inFeatures, "DenseBackwardParameters x");
        dy.RequireLength((long)batch * outFeatures, "DenseBackwardParameters dy");
        dw.RequireLength((long)outFeatures * inFeatures, "DenseBackwardParameters dw");
        db.RequireLength(outFeatures, "DenseBackwardParameters db");

        // dw[out,in] = dyᵀ·x: A(i,k) = dy[k,i], read with row stride 1 and column stride outFeatures.
        Multiply(
            outFeatures, inFeatures, batch,
            Span(dy), 1, outFeatures,
            Span(x), inFeatures, 1,
            Span(dw), inFeatures, accumulate: false);

        SumRows(Span(dy), batch, outFeatures, Span(db)[..outFeatures]);
    }

    /// <summary>totals[j] = Σ_i matrix[i,j], added row after row so the order is fixed.</summary>
    private static void SumRows(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> totals)
    {
        totals.Clear();
        for (int i = 0; i < rows; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(totals, matrix.Slice(i * columns, columns), totals);
        }
    }

    private static void RequireDense(int batch, int inFeatures, int outFeatures)
    {
        if (batch <= 0 || inFeatures <= 0 || outFeatures <= 0)
        {
            throw new ArgumentException($"Invalid dense shape: batch {batch}, in {inFeatures}, out {outFeatures}.");
        }
    }
}
