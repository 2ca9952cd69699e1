using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>A CUDA event with timing enabled (CU_EVENT_DEFAULT), used to time work on a stream.</summary>
internal sealed class CudaEventHandle : ContextBoundHandle
{
    private CudaEventHandle(nint evt, nint context)
        : base(evt, context)
    {
    }

    public static CudaEventHandle CreateTiming(nint context)
    {
        Check.Cuda(CudaDriverApi.cuEventCreate(out nint evt, CudaDriverApi.EventDefault));
        return new CudaEventHandle(evt, context);
    }

    public void Record(CudaStreamHandle stream) => Check.Cuda(CudaDriverApi.cuEventRecord(Value, stream.Value));

    public void Synchronize() => Check.Cuda(CudaDriverApi.cuEventSynchronize(Value));

    protected override bool FreeInContext() => CudaDriverApi.cuEventDestroy_v2(Value) == CuResult.Success;
}
