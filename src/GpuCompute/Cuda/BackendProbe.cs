using CyclicActors.GpuCompute.Cuda.Loading;
using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// Decides, without ever throwing, whether the CUDA backend can run here (gpu-bindings.md §6):
/// driver loads → cuInit → a device exists → cuBLAS/NVRTC/cuDNN preload → versions fit → a smoke
/// test (allocate, memset, copy back, create and destroy cuDNN and cuBLAS handles) passes.
/// The result is cached per device ordinal: loading is process-wide anyway.
/// </summary>
public static class BackendProbe
{
    /// <summary>cuDNN 9.x only: the status codes and library split bound here are cuDNN 9's.</summary>
    public const long MinimumCudnnVersion = 90000;
    public const long MaximumCudnnVersionExclusive = 100000;

    private static readonly Dictionary<int, ProbeResult> s_results = new();
    private static readonly object s_gate = new();

    public static ProbeResult ProbeCuda(int deviceOrdinal = 0)
    {
        lock (s_gate)
        {
            if (!s_results.TryGetValue(deviceOrdinal, out ProbeResult? result))
            {
                result = Run(deviceOrdinal);
                s_results[deviceOrdinal] = result;
            }

            return result;
        }
    }

    private static ProbeResult Run(int ordinal)
    {
        try
        {
            return RunChecks(ordinal);
        }
        catch (Exception e)
        {
            // Any failure, including a missing entry point, is a reason, never a crash.
            return new ProbeResult.Unavailable($"{e.GetType().Name}: {e.Message}", NativeLibraries.Trace);
        }
    }

    private static ProbeResult RunChecks(int ordinal)
    {
        if (NativeLibraries.EnsureDriver() is { } noDriver)
        {
            return new ProbeResult.Unavailable(noDriver, NativeLibraries.Trace);
        }

        CuResult init = CudaDriverApi.cuInit(0);
        if (init != CuResult.Success)
        {
            string meaning = init switch
            {
                CuResult.NoDevice => "driver present but no GPU visible",
                CuResult.StubLibrary => "loaded the toolkit's stub libcuda, not the real driver",
                CuResult.SystemDriverMismatch => "kernel driver and libcuda versions differ",
                _ => "cuInit failed",
            };
            string text = StatusText.CudaDescribe(init, out string name);
            return new ProbeResult.Unavailable($"{meaning} (cuInit: {name}: {text})", NativeLibraries.Trace);
        }

        Check.Cuda(CudaDriverApi.cuDriverGetVersion(out int driverVersion));
        Check.Cuda(CudaDriverApi.cuDeviceGetCount(out int count));
        if (count <= ordinal)
        {
            return new ProbeResult.Unavailable($"{count} CUDA device(s) visible, device {ordinal} requested", NativeLibraries.Trace);
        }

        if (NativeLibraries.EnsureMathLibraries() is { } noLibraries)
        {
            return new ProbeResult.Unavailable(noLibraries, NativeLibraries.Trace);
        }

        long cudnnVersion = (long)CudnnApi.cudnnGetVersion();
        long cudnnCudart = (long)CudnnApi.cudnnGetCudartVersion();
        if (cudnnVersion < MinimumCudnnVersion || cudnnVersion >= MaximumCudnnVersionExclusive)
        {
            return new ProbeResult.Unavailable($"cuDNN {ProbeResult.FormatCudnnVersion(cudnnVersion)} loaded; these bindings need cuDNN 9.x", NativeLibraries.Trace);
        }

        if (cudnnCudart / 1000 > driverVersion / 1000)
        {
            return new ProbeResult.Unavailable(
                $"cuDNN was built for CUDA {ProbeResult.FormatCudaVersion((int)cudnnCudart)} but the driver supports CUDA {ProbeResult.FormatCudaVersion(driverVersion)}",
                NativeLibraries.Trace);
        }

        string cublasVersion = CublasVersion();
        Check.Cuda(CudaDriverApi.cuDeviceGet(out int device, ordinal));
        Check.Cuda(CudaDriverApi.cuDeviceTotalMem_v2(out nuint totalMemory, device));
        var available = new ProbeResult.Available(
            ordinal,
            DeviceInfo.Name(device),
            DeviceInfo.Attribute(device, CudaDriverApi.AttributeComputeCapabilityMajor),
            DeviceInfo.Attribute(device, CudaDriverApi.AttributeComputeCapabilityMinor),
            DeviceInfo.Attribute(device, CudaDriverApi.AttributeMultiprocessorCount),
            (long)totalMemory,
            driverVersion,
            cudnnVersion,
            cudnnCudart,
            cublasVersion,
            NativeLibraries.Trace);

        string? smoke = SmokeTest(ordinal);
        return smoke is null ? available : new ProbeResult.Unavailable($"smoke test failed on {available.DeviceName}: {smoke}", NativeLibraries.Trace);
    }

    private static string CublasVersion()
    {
        Check.Cublas(CublasApi.cublasGetProperty(LibraryProperty.MajorVersion, out int major));
        Check.Cublas(CublasApi.cublasGetProperty(LibraryProperty.MinorVersion, out int minor));
        Check.Cublas(CublasApi.cublasGetProperty(LibraryProperty.PatchLevel, out int patch));
        return $"{major}.{minor}.{patch}";
    }

    /// <summary>A real backend, a 1 MiB fill and read-back, then dispose; null when it all worked.</summary>
    private static string? SmokeTest(int ordinal)
    {
        try
        {
            using var backend = new CudaBackend(new CudaBackendOptions { DeviceOrdinal = ordinal, CublasWorkspaceBytes = 0, OnesCapacity = 1 });
            const int count = 1 << 18;
            using var buffer = backend.Allocate(count, Memory.MemoryTag.Workspace);
            backend.Fill(buffer, 1.5f);
            var host = new float[count];
            backend.Download(buffer, host);
            int wrong = host.Count(v => v != 1.5f);
            return wrong == 0 ? null : $"{wrong} of {count} elements wrong after fill and read-back";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
