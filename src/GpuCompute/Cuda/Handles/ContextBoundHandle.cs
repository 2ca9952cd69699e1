using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>A native object that belongs to a CUDA context: its release first makes that context current.</summary>
internal abstract class ContextBoundHandle : NativeHandle
{
    private readonly nint _context;

    protected ContextBoundHandle(nint value, nint context)
        : base(value)
    {
        _context = context;
    }

    protected sealed override bool Free()
    {
        // Best effort: on a thread with no current context the destroy call would fail.
        CudaDriverApi.cuCtxSetCurrent(_context);
        return FreeInContext();
    }

    protected abstract bool FreeInContext();
}
