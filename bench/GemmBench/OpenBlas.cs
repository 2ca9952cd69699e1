using System.Runtime.InteropServices;

namespace CyclicActors.Bench.Gemm;

/// <summary>
/// The few OpenBLAS entry points the benchmark needs, bound at run time so the benchmark still
/// runs (ours only) where the library is missing.
/// </summary>
internal sealed unsafe class OpenBlas
{
    private const int RowMajor = 101;
    private const int NoTranspose = 111;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;

    private OpenBlas(nint library)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(library, "cblas_sgemm");
        var setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(library, "openblas_set_num_threads");
        var coreName = (delegate* unmanaged<sbyte*>)NativeLibrary.GetExport(library, "openblas_get_corename");
        var config = (delegate* unmanaged<sbyte*>)NativeLibrary.GetExport(library, "openblas_get_config");
        setThreads(1);
        CoreName = new string(coreName());
        Config = new string(config());
    }

    public const string LibraryName = "libopenblas.so.0";

    /// <summary>The kernel family OpenBLAS picked for this CPU (or the one OPENBLAS_CORETYPE forced).</summary>
    public string CoreName { get; }

    public string Config { get; }

    public static OpenBlas? TryLoad() => NativeLibrary.TryLoad(LibraryName, out nint library) ? new OpenBlas(library) : null;

    /// <summary>C[m,n] = A[m,k]·B[k,n], all row-major and contiguous.</summary>
    public void Multiply(int m, int n, int k, float[] a, float[] b, float[] c)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            _sgemm(RowMajor, NoTranspose, NoTranspose, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
        }
    }
}
