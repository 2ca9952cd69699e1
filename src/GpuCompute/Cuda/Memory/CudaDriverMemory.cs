using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// <see cref="IStreamOrderedDevice{TBlock, TStream, TEvent}"/> over the CUDA driver API for one
/// device's primary context. Every call first makes that context current on the calling thread
/// (cuCtxGetCurrent, and cuCtxSetCurrent only if it differs): a buffer may be returned from any
/// thread, and all backends of a device share this one context, so a worker's thread keeps it.
/// <see cref="MemoryInfo"/> instead pushes and pops the context, because the sampler thread that calls
/// it must be left as it was.
/// </summary>
internal sealed class CudaDriverMemory : IStreamOrderedDevice<DeviceMemoryHandle, CudaStreamHandle, CudaEventHandle>
{
    private readonly PrimaryContextHandle _context;

    public CudaDriverMemory(PrimaryContextHandle context)
    {
        _context = context;
    }

    public DeviceMemoryHandle Allocate(long bytes)
    {
        _context.EnsureCurrent();
        return DeviceMemoryHandle.Allocate(bytes, _context.Value);
    }

    public bool IsOutOfMemory(Exception error) => error is CudaException { IsOutOfMemory: true };

    public void Free(DeviceMemoryHandle block) => block.Dispose(); // makes its context current itself

    public CudaEventHandle CreateEvent()
    {
        _context.EnsureCurrent();
        return CudaEventHandle.CreateSynchronization(_context.Value);
    }

    public void DestroyEvent(CudaEventHandle evt) => evt.Dispose();

    public void Record(CudaEventHandle evt, CudaStreamHandle stream)
    {
        _context.EnsureCurrent();
        evt.Record(stream);
    }

    public bool HasCompleted(CudaEventHandle evt)
    {
        _context.EnsureCurrent();
        return evt.HasCompleted();
    }

    public void MakeWait(CudaStreamHandle stream, CudaEventHandle evt)
    {
        _context.EnsureCurrent();
        stream.Wait(evt);
    }

    public void Synchronize(CudaEventHandle evt)
    {
        _context.EnsureCurrent();
        evt.Synchronize();
    }

    /// <summary>cuMemGetInfo_v2 with the context pushed for the call and popped after (cuMemGetInfo needs a current context).</summary>
    public (long Free, long Total) MemoryInfo()
    {
        Check.Cuda(CudaDriverApi.cuCtxPushCurrent_v2(_context.Value));
        try
        {
            Check.Cuda(CudaDriverApi.cuMemGetInfo_v2(out nuint free, out nuint total));
            return ((long)free, (long)total);
        }
        finally
        {
            Check.Cuda(CudaDriverApi.cuCtxPopCurrent_v2(out _));
        }
    }
}
