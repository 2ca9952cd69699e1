using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>One cuMemAlloc_v2 allocation (256-byte aligned by the driver); released with cuMemFree_v2.</summary>
internal sealed class DeviceMemoryHandle : ContextBoundHandle
{
    private DeviceMemoryHandle(ulong pointer, long bytes, nint context)
        : base((nint)pointer, context)
    {
        Bytes = bytes;
    }

    public long Bytes { get; }

    public ulong Pointer => (ulong)Value;

    public static DeviceMemoryHandle Allocate(long bytes, nint context)
    {
        Check.Cuda(CudaDriverApi.cuMemAlloc_v2(out ulong pointer, (nuint)bytes));
        return new DeviceMemoryHandle(pointer, bytes, context);
    }

    protected override bool FreeInContext() => CudaDriverApi.cuMemFree_v2(Pointer) == CuResult.Success;
}
