using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// A CUDA event: with timing (CU_EVENT_DEFAULT) to time work on a stream, or synchronisation only
/// (CU_EVENT_DISABLE_TIMING), which the device pool records when a block is freed and other streams
/// wait on before they reuse it.
/// </summary>
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

    /// <summary>An event without timing data: cheaper to record, query and wait on.</summary>
    public static CudaEventHandle CreateSynchronization(nint context)
    {
        Check.Cuda(CudaDriverApi.cuEventCreate(out nint evt, CudaDriverApi.EventDisableTiming));
        return new CudaEventHandle(evt, context);
    }

    public void Record(CudaStreamHandle stream) => Check.Cuda(CudaDriverApi.cuEventRecord(Value, stream.Value));

    public void Synchronize() => Check.Cuda(CudaDriverApi.cuEventSynchronize(Value));

    /// <summary>True when the work captured by the last <see cref="Record"/> has finished; never blocks.</summary>
    public bool HasCompleted()
    {
        CuResult result = CudaDriverApi.cuEventQuery(Value);
        if (result == CuResult.NotReady)
        {
            return false;
        }

        Check.Cuda(result, "cuEventQuery");
        return true;
    }

    protected override bool FreeInContext() => CudaDriverApi.cuEventDestroy_v2(Value) == CuResult.Success;
}
