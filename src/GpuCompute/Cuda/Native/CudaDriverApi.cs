using System.Runtime.InteropServices;

namespace CyclicActors.GpuCompute.Cuda.Native;

/// <summary>
/// CUDA driver API (<c>libcuda.so.1</c>), exported symbol names: the <c>_v2</c> entry points are what
/// <c>cuda.h</c> #defines the plain names to (64-bit sizes). Signatures checked against cuda.h
/// (CUDA 12.x/13.0, unchanged for these calls). Types: CUdevice = int, CUdeviceptr = ulong,
/// size_t = nuint, every other handle = nint.
/// </summary>
internal static unsafe partial class CudaDriverApi
{
    private const string Lib = NativeLibraryNames.Driver;

    public const uint StreamNonBlocking = 1;        // CU_STREAM_NON_BLOCKING
    public const uint EventDefault = 0;             // CU_EVENT_DEFAULT (timing enabled)
    public const uint EventDisableTiming = 2;       // CU_EVENT_DISABLE_TIMING (cheapest for cuStreamWaitEvent / cuEventQuery)
    public const uint EventWaitDefault = 0;         // CU_EVENT_WAIT_DEFAULT, the only flag valid outside stream capture
    public const int AttributeMultiprocessorCount = 16;      // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
    public const int AttributeComputeCapabilityMajor = 75;   // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
    public const int AttributeComputeCapabilityMinor = 76;   // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR

    [LibraryImport(Lib)]
    public static partial CuResult cuInit(uint flags);

    [LibraryImport(Lib)]
    public static partial CuResult cuDriverGetVersion(out int version);

    [LibraryImport(Lib)]
    public static partial CuResult cuDeviceGetCount(out int count);

    [LibraryImport(Lib)]
    public static partial CuResult cuDeviceGet(out int device, int ordinal);

    [LibraryImport(Lib)]
    public static partial CuResult cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(Lib)]
    public static partial CuResult cuDeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(Lib)]
    public static partial CuResult cuDeviceTotalMem_v2(out nuint bytes, int device);

    [LibraryImport(Lib)]
    public static partial CuResult cuDevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(Lib)]
    public static partial CuResult cuDevicePrimaryCtxRelease_v2(int device);

    [LibraryImport(Lib)]
    public static partial CuResult cuCtxSetCurrent(nint context);

    [LibraryImport(Lib)]
    public static partial CuResult cuCtxGetCurrent(out nint context);

    [LibraryImport(Lib)]
    public static partial CuResult cuCtxSynchronize();

    // CUresult cuCtxPushCurrent(CUcontext ctx) / cuCtxPopCurrent(CUcontext* pctx): cuda.h #defines both
    // to the _v2 exports. Used where a thread must not keep our context current (the memory sampler).
    [LibraryImport(Lib)]
    public static partial CuResult cuCtxPushCurrent_v2(nint context);

    [LibraryImport(Lib)]
    public static partial CuResult cuCtxPopCurrent_v2(out nint context);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemAlloc_v2(out ulong pointer, nuint bytes);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemFree_v2(ulong pointer);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemGetInfo_v2(out nuint free, out nuint total);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemHostAlloc(out nint pointer, nuint bytes, uint flags);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemFreeHost(nint pointer);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemcpyHtoD_v2(ulong destination, void* source, nuint bytes);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemcpyDtoH_v2(void* destination, ulong source, nuint bytes);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(Lib)]
    public static partial CuResult cuMemsetD32Async(ulong destination, uint value, nuint count, nint stream);

    [LibraryImport(Lib)]
    public static partial CuResult cuStreamCreate(out nint stream, uint flags);

    [LibraryImport(Lib)]
    public static partial CuResult cuStreamSynchronize(nint stream);

    [LibraryImport(Lib)]
    public static partial CuResult cuStreamDestroy_v2(nint stream);

    // CUresult cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags): work queued on
    // the stream after this call waits for the work captured by the event's latest cuEventRecord.
    [LibraryImport(Lib)]
    public static partial CuResult cuStreamWaitEvent(nint stream, nint evt, uint flags);

    [LibraryImport(Lib)]
    public static partial CuResult cuEventCreate(out nint evt, uint flags);

    [LibraryImport(Lib)]
    public static partial CuResult cuEventRecord(nint evt, nint stream);

    [LibraryImport(Lib)]
    public static partial CuResult cuEventSynchronize(nint evt);

    // CUresult cuEventQuery(CUevent hEvent): CUDA_SUCCESS when the captured work is done,
    // CUDA_ERROR_NOT_READY (600) while it is pending; never blocks.
    [LibraryImport(Lib)]
    public static partial CuResult cuEventQuery(nint evt);

    [LibraryImport(Lib)]
    public static partial CuResult cuEventDestroy_v2(nint evt);

    // cuEventElapsedTime_v2 (driver >= 12.8) or the older cuEventElapsedTime is looked up at run time
    // (see EventTimer), because which one exists depends on the installed driver.

    [LibraryImport(Lib)]
    public static partial CuResult cuGetErrorName(CuResult result, out byte* name);

    [LibraryImport(Lib)]
    public static partial CuResult cuGetErrorString(CuResult result, out byte* text);
}
