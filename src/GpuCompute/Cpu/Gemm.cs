namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Single-precision GEMM on row-major matrices given by strides, so transposes cost nothing:
/// C[m,n] (+)= Σ_k A(i,k)·B(k,j), with A(i,k) = a[i·aRow + k·aCol] and B(k,j) = b[k·bRow + j·bCol].
/// Every C element is summed over k in the same order whatever m and n are, so a row of a batch
/// gives bitwise the same result whichever other rows share the call.
/// </summary>
internal static partial class Gemm
{
    /// <summary>Computes C = A·B, or C += A·B when <paramref name="accumulate"/> is set.</summary>
    public static void Multiply(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0)
        {
            return;
        }

        RequireSpan(a.Length, m, k, aRowStride, aColStride, "A");
        RequireSpan(b.Length, k, n, bRowStride, bColStride, "B");
        RequireSpan(c.Length, m, n, ldc, 1, "C");
        MultiplyNaive(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate);
    }

    /// <summary>The straightforward triple loop; also the fallback for tiny problems.</summary>
    internal static void MultiplyNaive(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    sum += a[(i * aRowStride) + (p * aColStride)] * b[(p * bRowStride) + (j * bColStride)];
                }

                ref float target = ref c[(i * ldc) + j];
                target = accumulate ? target + sum : sum;
            }
        }
    }

    private static void RequireSpan(int length, int rows, int cols, int rowStride, int colStride, string name)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        long last = ((long)(rows - 1) * rowStride) + ((long)(cols - 1) * colStride);
        if (rowStride < 0 || colStride < 0 || last >= length)
        {
            throw new ArgumentException($"GEMM operand {name} ({rows}x{cols}, strides {rowStride},{colStride}) does not fit a span of {length}.");
        }
    }
}
