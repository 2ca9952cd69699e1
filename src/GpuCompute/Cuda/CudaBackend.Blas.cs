using CyclicActors.GpuCompute.Cuda.Native;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cuda;

// Dense layers, vector ops and SGD through cuBLAS (gpu-bindings.md §3 and §5, recipe A: no custom kernels).
public sealed partial class CudaBackend
{
    public unsafe void Axpy(float alpha, TensorView x, TensorView y)
    {
        Enter();
        y.RequireLength(x.Length, "Axpy y");
        int n = Int(x.Length, "Axpy length");
        if (n > 0)
        {
            Check.Cublas(CublasApi.cublasSaxpy_v2(_cublas!.Value, n, &alpha, Ptr(x), 1, Ptr(y), 1));
        }
    }

    public unsafe void Scale(float alpha, TensorView x)
    {
        Enter();
        int n = Int(x.Length, "Scale length");
        if (n > 0)
        {
            Check.Cublas(CublasApi.cublasSscal_v2(_cublas!.Value, n, &alpha, Ptr(x), 1));
        }
    }

    public unsafe void DenseForward(TensorView x, TensorView w, TensorView b, TensorView y, int batch, int inFeatures, int outFeatures)
    {
        Enter();
        x.RequireLength((long)batch * inFeatures, "DenseForward x");
        w.RequireLength((long)outFeatures * inFeatures, "DenseForward w");
        b.RequireLength(outFeatures, "DenseForward b");
        y.RequireLength((long)batch * outFeatures, "DenseForward y");

        // y[B,out] = x[B,in]·wᵀ  (row-major A = x, B = w transposed)
        Gemm(RowMajorGemm.Plan(transposeA: false, transposeB: true, batch, outFeatures, inFeatures), Ptr(x), Ptr(w), Ptr(y));

        // y += b·1ᵀ as a rank-1 update: column-major y is [out × B], so A[o, j] += b[o]·ones[j].
        float one = 1f;
        Check.Cublas(CublasApi.cublasSger_v2(_cublas!.Value, outFeatures, batch, &one, Ptr(b), 1, Ones(batch), 1, Ptr(y), outFeatures));
    }

    public void DenseBackwardData(TensorView dy, TensorView w, TensorView dx, int batch, int inFeatures, int outFeatures)
    {
        Enter();
        dy.RequireLength((long)batch * outFeatures, "DenseBackwardData dy");
        w.RequireLength((long)outFeatures * inFeatures, "DenseBackwardData w");
        dx.RequireLength((long)batch * inFeatures, "DenseBackwardData dx");

        // dx[B,in] = dy[B,out]·w[out,in]
        Gemm(RowMajorGemm.Plan(transposeA: false, transposeB: false, batch, inFeatures, outFeatures), Ptr(dy), Ptr(w), Ptr(dx));
    }

    public unsafe void DenseBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, int batch, int inFeatures, int outFeatures)
    {
        Enter();
        x.RequireLength((long)batch * inFeatures, "DenseBackwardParameters x");
        dy.RequireLength((long)batch * outFeatures, "DenseBackwardParameters dy");
        dw.RequireLength((long)outFeatures * inFeatures, "DenseBackwardParameters dw");
        db.RequireLength(outFeatures, "DenseBackwardParameters db");

        // dw[out,in] = dyᵀ·x  (row-major A = dy stored [B,out] and transposed, B = x)
        Gemm(RowMajorGemm.Plan(transposeA: true, transposeB: false, outFeatures, inFeatures, batch), Ptr(dy), Ptr(x), Ptr(dw));

        // db[out] = Σ_b dy[b,:]: column-major dy is [out × B]; db = dy·ones.
        float one = 1f, zero = 0f;
        Check.Cublas(CublasApi.cublasSgemv_v2(_cublas!.Value, CublasOperation.N, outFeatures, batch, &one, Ptr(dy), outFeatures, Ones(batch), 1, &zero, Ptr(db), 1));
    }

    public unsafe void SgdStep(TensorView weights, TensorView gradients, TensorView momentum, SgdHyperParameters hyper)
    {
        Enter();
        long length = weights.Length;
        gradients.RequireLength(length, "SgdStep gradients");
        int n = Int(length, "SgdStep length");
        if (n == 0)
        {
            return;
        }

        ulong w = Ptr(weights), g = Ptr(gradients);
        float minusLr = -hyper.LearningRate;
        if (hyper.Momentum != 0f)
        {
            momentum.RequireLength(length, "SgdStep momentum");
            ulong v = Ptr(momentum);

            // v ← μ·v + g + wd·w  (= μ·v + d with d = g + wd·w; g itself is left untouched)
            Geam(hyper.Momentum, v, 1f, g, v, n);
            if (hyper.WeightDecay != 0f)
            {
                float decay = hyper.WeightDecay;
                Check.Cublas(CublasApi.cublasSaxpy_v2(_cublas!.Value, n, &decay, w, 1, v, 1));
            }

            // w ← w − lr·v
            Check.Cublas(CublasApi.cublasSaxpy_v2(_cublas!.Value, n, &minusLr, v, 1, w, 1));
        }
        else if (hyper.WeightDecay != 0f)
        {
            // w ← w − lr·(g + wd·w) = (1 − lr·wd)·w − lr·g
            Geam(1f - (hyper.LearningRate * hyper.WeightDecay), w, minusLr, g, w, n);
        }
        else
        {
            Check.Cublas(CublasApi.cublasSaxpy_v2(_cublas!.Value, n, &minusLr, g, 1, w, 1));
        }
    }

    /// <summary>One column-major SGEMM from a row-major plan, beta = 0 (the output is overwritten, never read).</summary>
    private unsafe void Gemm(ColumnMajorGemm plan, ulong a, ulong b, ulong c)
    {
        float one = 1f, zero = 0f;
        ulong first = plan.First == GemmOperand.A ? a : b;
        ulong second = plan.Second == GemmOperand.A ? a : b;
        Check.Cublas(CublasApi.cublasSgemm_v2(_cublas!.Value, plan.OpFirst, plan.OpSecond, plan.M, plan.N, plan.K, &one, first, plan.LdFirst, second, plan.LdSecond, &zero, c, plan.Ldc));
    }

    /// <summary>c ← alpha·a + beta·b on vectors of n floats (c may be a: cuBLAS's documented in-place form).</summary>
    private unsafe void Geam(float alpha, ulong a, float beta, ulong b, ulong c, int n)
    {
        Check.Cublas(CublasApi.cublasSgeam(_cublas!.Value, CublasOperation.N, CublasOperation.N, n, 1, &alpha, a, n, &beta, b, n, c, n));
    }
}
