using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// Page-locked host memory from cuMemHostAlloc: asynchronous copies need it, because pageable memory
/// may be moved or reused before the stream reaches the copy.
/// </summary>
internal sealed class PinnedHostMemoryHandle : ContextBoundHandle
{
    private PinnedHostMemoryHandle(nint pointer, long bytes, nint context)
        : base(pointer, context)
    {
        Bytes = bytes;
    }

    public long Bytes { get; }

    public static PinnedHostMemoryHandle Allocate(long bytes, nint context)
    {
        Check.Cuda(CudaDriverApi.cuMemHostAlloc(out nint pointer, (nuint)bytes, 0));
        return new PinnedHostMemoryHandle(pointer, bytes, context);
    }

    public unsafe Span<float> AsFloats(int count) => new((void*)Value, count);

    protected override bool FreeInContext() => CudaDriverApi.cuMemFreeHost(Value) == CuResult.Success;
}
