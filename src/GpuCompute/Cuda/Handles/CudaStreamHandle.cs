using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// A non-blocking stream (CU_STREAM_NON_BLOCKING): it never synchronises implicitly with the legacy
/// default stream, so every transfer and kernel of a backend must be queued on it explicitly.
/// </summary>
internal sealed class CudaStreamHandle : ContextBoundHandle
{
    private CudaStreamHandle(nint stream, nint context)
        : base(stream, context)
    {
    }

    public static CudaStreamHandle CreateNonBlocking(nint context)
    {
        Check.Cuda(CudaDriverApi.cuStreamCreate(out nint stream, CudaDriverApi.StreamNonBlocking));
        return new CudaStreamHandle(stream, context);
    }

    public void Synchronize() => Check.Cuda(CudaDriverApi.cuStreamSynchronize(Value));

    /// <summary>Work queued on this stream from now on starts after the work <paramref name="evt"/> captured; the host does not block.</summary>
    public void Wait(CudaEventHandle evt) => Check.Cuda(CudaDriverApi.cuStreamWaitEvent(Value, evt.Value, CudaDriverApi.EventWaitDefault));

    protected override bool FreeInContext() => CudaDriverApi.cuStreamDestroy_v2(Value) == CuResult.Success;
}
