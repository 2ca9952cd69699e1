using CyclicActors.GpuCompute.Cuda.Loading;
using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

// GPU-side timing with CUDA events on the backend's stream.
public sealed partial class CudaBackend
{
    /// <summary>
    /// Runs <paramref name="work"/> (which queues operations on this backend) between two events and
    /// returns the GPU time between them in milliseconds. Waits for the second event.
    /// </summary>
    public float MeasureMilliseconds(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Enter();
        _timingStart!.Record(_stream!);
        work();
        Enter(); // the work may have run code that changed the current context
        _timingStop!.Record(_stream!);
        _timingStop.Synchronize();
        return EventTimer.ElapsedMilliseconds(_timingStart, _timingStop);
    }
}

/// <summary>
/// cuEventElapsedTime_v2 exists from driver 12.8 on (CUDA 13 headers map the plain name to it);
/// older drivers only export cuEventElapsedTime. Both have the same signature, so the first export
/// found is called through a function pointer.
/// </summary>
internal static unsafe class EventTimer
{
    private static delegate* unmanaged<float*, nint, nint, CuResult> s_elapsed;

    public static float ElapsedMilliseconds(CudaEventHandle start, CudaEventHandle stop)
    {
        if (s_elapsed == null)
        {
            nint address = NativeLibraries.TryGetExport(LibrarySearch.DriverSoname, "cuEventElapsedTime_v2");
            if (address == 0)
            {
                address = NativeLibraries.TryGetExport(LibrarySearch.DriverSoname, "cuEventElapsedTime");
            }

            if (address == 0)
            {
                throw new EntryPointNotFoundException("libcuda.so.1 exports neither cuEventElapsedTime_v2 nor cuEventElapsedTime.");
            }

            s_elapsed = (delegate* unmanaged<float*, nint, nint, CuResult>)address;
        }

        float milliseconds = 0f;
        Check.Cuda(s_elapsed(&milliseconds, start.Value, stop.Value), "cuEventElapsedTime(_v2)");
        return milliseconds;
    }
}
