using System.Runtime.InteropServices;

namespace CyclicActors.GpuCompute.Cuda.Native;

/// <summary>
/// cuBLAS (<c>libcublas.so.13</c>), exported <c>_v2</c> names that cublas_v2.h #defines the plain
/// names to; <c>cublasSgeam</c>, <c>cublasSetMathMode</c> and <c>cublasGetStatusString</c> have no
/// suffix. Column-major; host pointer mode, so alpha/beta/result are host float pointers.
/// </summary>
internal static unsafe partial class CublasApi
{
    private const string Lib = NativeLibraryNames.Cublas;

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasCreate_v2(out nint handle);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasDestroy_v2(nint handle);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSetStream_v2(nint handle, nint stream);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSetPointerMode_v2(nint handle, CublasPointerMode mode);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSetMathMode(nint handle, CublasMath mode);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSetWorkspace_v2(nint handle, ulong workspace, nuint bytes);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasGetProperty(LibraryProperty property, out int value);

    [LibraryImport(Lib)]
    public static partial byte* cublasGetStatusString(CublasStatus status);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSgemm_v2(nint handle, CublasOperation transA, CublasOperation transB, int m, int n, int k, float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSgemv_v2(nint handle, CublasOperation trans, int m, int n, float* alpha, ulong a, int lda, ulong x, int incx, float* beta, ulong y, int incy);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSger_v2(nint handle, int m, int n, float* alpha, ulong x, int incx, ulong y, int incy, ulong a, int lda);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSgeam(nint handle, CublasOperation transA, CublasOperation transB, int m, int n, float* alpha, ulong a, int lda, float* beta, ulong b, int ldb, ulong c, int ldc);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSaxpy_v2(nint handle, int n, float* alpha, ulong x, int incx, ulong y, int incy);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSscal_v2(nint handle, int n, float* alpha, ulong x, int incx);

    [LibraryImport(Lib)]
    public static partial CublasStatus cublasSdot_v2(nint handle, int n, ulong x, int incx, ulong y, int incy, float* result);
}
