using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// A register-tiled kernel computing one Rows×Columns tile of C from packed panels:
/// packedA holds depth groups of Rows values of A (one column of the tile's rows per k),
/// packedB holds depth groups of Columns values of B (one row per k). Every C element is
/// accumulated from 0 over k in order and then stored (or added to C when accumulating), so its
/// value depends only on its own row of A and column of B, never on where the tile sits.
/// </summary>
internal interface IGemmMicroKernel
{
    static abstract int Rows { get; }

    static abstract int Columns { get; }

    static abstract unsafe void Multiply(int depth, float* packedA, float* packedB, float* c, int ldc, bool accumulate);
}

/// <summary>
/// AVX-512: a 12×32 tile in 24 zmm accumulators; each k loads two B vectors and broadcasts 12 A
/// values, giving 24 FMAs per 14 loads. 24 independent chains hide the 4-cycle FMA latency on two
/// FMA ports, and 24 + 2 + 1 registers fit the 32 zmm registers without spilling.
/// </summary>
internal readonly struct Avx512Kernel12x32 : IGemmMicroKernel
{
    public static int Rows => 12;

    public static int Columns => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(int depth, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        for (int p = 0; p < depth; p++, a += 12, b += 32)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(x, b0, c80); c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(x, b0, c90); c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]);
            cA0 = Vector512.FusedMultiplyAdd(x, b0, cA0); cA1 = Vector512.FusedMultiplyAdd(x, b1, cA1);
            x = Vector512.Create(a[11]);
            cB0 = Vector512.FusedMultiplyAdd(x, b0, cB0); cB1 = Vector512.FusedMultiplyAdd(x, b1, cB1);
        }

        Store(c, c00, c01, accumulate); Store(c + ldc, c10, c11, accumulate);
        Store(c + (2 * ldc), c20, c21, accumulate); Store(c + (3 * ldc), c30, c31, accumulate);
        Store(c + (4 * ldc), c40, c41, accumulate); Store(c + (5 * ldc), c50, c51, accumulate);
        Store(c + (6 * ldc), c60, c61, accumulate); Store(c + (7 * ldc), c70, c71, accumulate);
        Store(c + (8 * ldc), c80, c81, accumulate); Store(c + (9 * ldc), c90, c91, accumulate);
        Store(c + (10 * ldc), cA0, cA1, accumulate); Store(c + (11 * ldc), cB0, cB1, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* row, Vector512<float> left, Vector512<float> right, bool accumulate)
    {
        if (accumulate)
        {
            left += Vector512.Load(row);
            right += Vector512.Load(row + 16);
        }

        left.Store(row);
        right.Store(row + 16);
    }
}

/// <summary>AVX2 + FMA: a 6×16 tile in 12 ymm accumulators, leaving 3 of the 16 ymm registers for operands.</summary>
internal readonly struct Avx2Kernel6x16 : IGemmMicroKernel
{
    public static int Rows => 6;

    public static int Columns => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(int depth, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < depth; p++, a += 6, b += 16)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            Vector256<float> x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }

        Store(c, c00, c01, accumulate); Store(c + ldc, c10, c11, accumulate);
        Store(c + (2 * ldc), c20, c21, accumulate); Store(c + (3 * ldc), c30, c31, accumulate);
        Store(c + (4 * ldc), c40, c41, accumulate); Store(c + (5 * ldc), c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* row, Vector256<float> left, Vector256<float> right, bool accumulate)
    {
        if (accumulate)
        {
            left += Vector256.Load(row);
            right += Vector256.Load(row + 8);
        }

        left.Store(row);
        right.Store(row + 8);
    }
}

/// <summary>Portable fallback: a 4×4 tile with unfused multiply-adds (a software FMA would be far slower).</summary>
internal readonly struct ScalarKernel4x4 : IGemmMicroKernel
{
    public static int Rows => 4;

    public static int Columns => 4;

    public static unsafe void Multiply(int depth, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        float* sums = stackalloc float[16];
        for (int i = 0; i < 16; i++)
        {
            sums[i] = 0f;
        }

        for (int p = 0; p < depth; p++, a += 4, b += 4)
        {
            for (int r = 0; r < 4; r++)
            {
                float x = a[r];
                for (int j = 0; j < 4; j++)
                {
                    sums[(r * 4) + j] += x * b[j];
                }
            }
        }

        for (int r = 0; r < 4; r++)
        {
            for (int j = 0; j < 4; j++)
            {
                float* target = c + (r * ldc) + j;
                *target = accumulate ? *target + sums[(r * 4) + j] : sums[(r * 4) + j];
            }
        }
    }
}
