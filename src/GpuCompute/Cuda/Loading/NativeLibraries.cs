using System.Reflection;
using System.Runtime.InteropServices;
using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda.Loading;

/// <summary>
/// The one DllImport resolver of this assembly plus the explicit preload (gpu-bindings.md §6).
/// The driver and the math libraries are loaded on first request, by absolute path where the search
/// found one, in dependency order; every attempt is recorded in <see cref="Trace"/>. The resolver maps
/// the logical names of the bindings ("cuda", "cublas", "cudnn") to the handles loaded here, so the
/// runtime never probes unversioned names. Thread-safe; outcomes are cached for the process.
/// </summary>
internal static class NativeLibraries
{
    private static readonly object s_gate = new();
    private static readonly LoadSequence s_sequence = new(LoadWithRuntime);
    private static bool s_resolverRegistered;
    private static string? s_driverFailure;
    private static bool s_driverAttempted;
    private static string? s_mathFailure;
    private static bool s_mathAttempted;

    /// <summary>Every load attempt so far, one per line.</summary>
    public static string Trace
    {
        get
        {
            lock (s_gate)
            {
                return s_sequence.Trace;
            }
        }
    }

    /// <summary>Loads libcuda.so.1; returns null on success or the reason it failed.</summary>
    public static string? EnsureDriver()
    {
        lock (s_gate)
        {
            RegisterResolver();
            if (!s_driverAttempted)
            {
                s_driverAttempted = true;
                string? failure = s_sequence.Run([LibrarySearch.ForThisProcess().DriverStep()]);
                s_driverFailure = failure is null ? null : $"no CUDA driver found: {failure}";
            }

            return s_driverFailure;
        }
    }

    /// <summary>Preloads cuBLAS, NVRTC and cuDNN; returns null on success or the reason it failed.</summary>
    public static string? EnsureMathLibraries()
    {
        lock (s_gate)
        {
            RegisterResolver();
            if (!s_mathAttempted)
            {
                s_mathAttempted = true;
                var search = LibrarySearch.ForThisProcess();
                IReadOnlyList<string> directories = search.LibraryDirectories();
                string searched = directories.Count == 0 ? "none of the venv/env directories exist" : string.Join(", ", directories);
                string? failure = s_sequence.Run(search.MathLibrarySteps());
                s_mathFailure = failure is null ? null : $"{failure}. Searched directories: {searched}. Set CUDNN_PATH / CUDA_LIB_PATH or LD_LIBRARY_PATH.";
            }

            return s_mathFailure;
        }
    }

    /// <summary>An exported symbol of an already loaded library, for entry points that differ between driver versions.</summary>
    public static nint TryGetExport(string soname, string symbol)
    {
        lock (s_gate)
        {
            return s_sequence.Loaded.TryGetValue(soname, out nint handle) && NativeLibrary.TryGetExport(handle, symbol, out nint address) ? address : 0;
        }
    }

    private static void RegisterResolver()
    {
        if (s_resolverRegistered)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
        s_resolverRegistered = true;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        string? soname = libraryName switch
        {
            NativeLibraryNames.Driver => LibrarySearch.DriverSoname,
            NativeLibraryNames.Cublas => "libcublas.so.13",
            NativeLibraryNames.Cudnn => LibrarySearch.CudnnSoname,
            _ => null,
        };
        if (soname is null)
        {
            return 0; // not ours: default probing
        }

        string? failure = libraryName == NativeLibraryNames.Driver ? EnsureDriver() : EnsureMathLibraries();
        lock (s_gate)
        {
            if (s_sequence.Loaded.TryGetValue(soname, out nint handle))
            {
                return handle;
            }
        }

        // Never fall back to the runtime's default probing for our names: it would try unversioned
        // names (libcuda.so, libcublas.so), which on toolkit machines can be the driver stub.
        throw new DllNotFoundException($"{soname}: {failure ?? "not loaded"}{Environment.NewLine}{Trace}");
    }

    private static LoadAttempt LoadWithRuntime(string path)
    {
        try
        {
            return LoadAttempt.Success(NativeLibrary.Load(path));
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return LoadAttempt.Failure(e.Message);
        }
    }
}
