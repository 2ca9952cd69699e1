using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// A cuBLAS context bound to one stream, host pointer mode, and a math mode that keeps SGEMM in
/// FP32 unless TF32 was explicitly allowed.
/// </summary>
internal sealed class CublasHandle : ContextBoundHandle
{
    private CublasHandle(nint handle, nint context)
        : base(handle, context)
    {
    }

    public static CublasHandle Create(nint context, CudaStreamHandle stream, bool allowTf32)
    {
        Check.Cublas(CublasApi.cublasCreate_v2(out nint handle));
        var created = new CublasHandle(handle, context);
        try
        {
            Check.Cublas(CublasApi.cublasSetStream_v2(handle, stream.Value));
            Check.Cublas(CublasApi.cublasSetPointerMode_v2(handle, CublasPointerMode.Host));
            Check.Cublas(CublasApi.cublasSetMathMode(handle, allowTf32 ? CublasMath.Tf32TensorOp : CublasMath.Default));
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    protected override bool FreeInContext() => CublasApi.cublasDestroy_v2(Value) == CublasStatus.Success;
}
