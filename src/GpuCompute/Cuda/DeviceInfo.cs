using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>Small device queries shared by the probe and the backend.</summary>
internal static class DeviceInfo
{
    public static unsafe string Name(int device)
    {
        byte* buffer = stackalloc byte[256];
        Check.Cuda(CudaDriverApi.cuDeviceGetName(buffer, 256, device));
        return new string((sbyte*)buffer);
    }

    public static int Attribute(int device, int attribute)
    {
        Check.Cuda(CudaDriverApi.cuDeviceGetAttribute(out int value, attribute, device));
        return value;
    }
}
