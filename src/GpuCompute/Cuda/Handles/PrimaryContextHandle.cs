using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// One retain of a device's primary context (shared by every backend on that device, reference
/// counted by the driver). Release calls cuDevicePrimaryCtxRelease_v2 for the same device.
/// </summary>
internal sealed class PrimaryContextHandle : NativeHandle
{
    private PrimaryContextHandle(nint context, int device)
        : base(context)
    {
        Device = device;
    }

    public int Device { get; }

    public static PrimaryContextHandle Retain(int device)
    {
        Check.Cuda(CudaDriverApi.cuDevicePrimaryCtxRetain(out nint context, device));
        return new PrimaryContextHandle(context, device);
    }

    /// <summary>
    /// Makes this context current on the calling thread if it is not already. The current context
    /// is per OS thread and actors may move between threads, so every entry point calls this.
    /// </summary>
    public void EnsureCurrent()
    {
        Check.Cuda(CudaDriverApi.cuCtxGetCurrent(out nint current));
        if (current != Value)
        {
            Check.Cuda(CudaDriverApi.cuCtxSetCurrent(Value));
        }
    }

    protected override bool Free() => CudaDriverApi.cuDevicePrimaryCtxRelease_v2(Device) == CuResult.Success;
}
