using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>Which of the row-major operands goes into a column-major GEMM argument slot.</summary>
internal enum GemmOperand
{
    A,
    B,
}

/// <summary>
/// The arguments of one column-major <c>cublasSgemm</c> call, in call order:
/// C_cm[M×N] = op(First)[M×K] · op(Second)[K×N], leading dimensions LdFirst, LdSecond, Ldc.
/// </summary>
internal readonly record struct ColumnMajorGemm(
    CublasOperation OpFirst, CublasOperation OpSecond, int M, int N, int K,
    GemmOperand First, int LdFirst, GemmOperand Second, int LdSecond, int Ldc);

/// <summary>
/// The row-major trick (gpu-bindings.md §3): a row-major [r×c] buffer is the column-major [c×r]
/// transpose, so the row-major product C = op(A)·op(B) is computed as the column-major product
/// Cᵀ = op(B)ᵀ·op(A)ᵀ, i.e. one cuBLAS call with the operands swapped and nothing copied.
/// Row-major shapes: op(A) is [m×k], op(B) is [k×n], C is [m×n]; A is stored [m×k] (or [k×m] when
/// transposed), B is stored [k×n] (or [n×k] when transposed).
/// </summary>
internal static class RowMajorGemm
{
    public static ColumnMajorGemm Plan(bool transposeA, bool transposeB, int m, int n, int k)
    {
        if (m <= 0 || n <= 0 || k <= 0)
        {
            throw new ArgumentException($"GEMM dimensions must be positive: m={m}, n={n}, k={k}.");
        }

        return new ColumnMajorGemm(
            OpFirst: transposeB ? CublasOperation.T : CublasOperation.N,
            OpSecond: transposeA ? CublasOperation.T : CublasOperation.N,
            M: n,
            N: m,
            K: k,
            First: GemmOperand.B,
            LdFirst: transposeB ? k : n,   // row length of B as stored
            Second: GemmOperand.A,
            LdSecond: transposeA ? m : k,  // row length of A as stored
            Ldc: n);
    }
}
