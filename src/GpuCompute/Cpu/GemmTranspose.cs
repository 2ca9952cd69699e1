using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// A 16×16 in-register transpose with AVX-512 for the GEMM packing of operands whose packed
/// dimension is strided (row-major A, transposed B): 16 row loads, 64 shuffles and 16 stores
/// instead of 256 scalar loads and stores. Pure data movement, so packed panels are bitwise the
/// same as the scalar packing's.
/// </summary>
internal static unsafe class GemmTranspose
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    private static readonly Vector512<int> LaneIndex = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    /// <summary>Lanes [0, count) set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FirstLanes(int count) => Vector512.LessThan(LaneIndex, Vector512.Create(count)).AsSingle();

    /// <summary>
    /// Reads rows i &lt; <paramref name="rows"/> (16 floats each, the lanes of <paramref name="loadMask"/>, at source + i·rowStride;
    /// other rows and lanes read as 0 and touch no memory) and stores column t (its 16 values, the
    /// lanes of <paramref name="storeMask"/>) at target + t·targetStride for t in [0, 16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose16(float* source, long rowStride, int rows, Vector512<float> loadMask, float* target, int targetStride, Vector512<float> storeMask)
    {
        Vector512<float> r0 = 0 < rows ? Avx512F.MaskLoad(source + (0 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r1 = 1 < rows ? Avx512F.MaskLoad(source + (1 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r2 = 2 < rows ? Avx512F.MaskLoad(source + (2 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r3 = 3 < rows ? Avx512F.MaskLoad(source + (3 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r4 = 4 < rows ? Avx512F.MaskLoad(source + (4 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r5 = 5 < rows ? Avx512F.MaskLoad(source + (5 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r6 = 6 < rows ? Avx512F.MaskLoad(source + (6 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r7 = 7 < rows ? Avx512F.MaskLoad(source + (7 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r8 = 8 < rows ? Avx512F.MaskLoad(source + (8 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r9 = 9 < rows ? Avx512F.MaskLoad(source + (9 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r10 = 10 < rows ? Avx512F.MaskLoad(source + (10 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r11 = 11 < rows ? Avx512F.MaskLoad(source + (11 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r12 = 12 < rows ? Avx512F.MaskLoad(source + (12 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r13 = 13 < rows ? Avx512F.MaskLoad(source + (13 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r14 = 14 < rows ? Avx512F.MaskLoad(source + (14 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;
        Vector512<float> r15 = 15 < rows ? Avx512F.MaskLoad(source + (15 * rowStride), loadMask, Vector512<float>.Zero) : Vector512<float>.Zero;

        // Pairs of rows interleaved, then pairs of pairs: u[4g + e] holds, in 128-bit lane l, rows 4g..4g+3 of column 4l + e.
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Vector512<float> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
        Vector512<float> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
        Vector512<float> t8 = Avx512F.UnpackLow(r8, r9), t9 = Avx512F.UnpackHigh(r8, r9);
        Vector512<float> t10 = Avx512F.UnpackLow(r10, r11), t11 = Avx512F.UnpackHigh(r10, r11);
        Vector512<float> t12 = Avx512F.UnpackLow(r12, r13), t13 = Avx512F.UnpackHigh(r12, r13);
        Vector512<float> t14 = Avx512F.UnpackLow(r14, r15), t15 = Avx512F.UnpackHigh(r14, r15);
        Vector512<float> u0 = Avx512F.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle(), u1 = Avx512F.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
        Vector512<float> u2 = Avx512F.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle(), u3 = Avx512F.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
        Vector512<float> u4 = Avx512F.UnpackLow(t4.AsDouble(), t6.AsDouble()).AsSingle(), u5 = Avx512F.UnpackHigh(t4.AsDouble(), t6.AsDouble()).AsSingle();
        Vector512<float> u6 = Avx512F.UnpackLow(t5.AsDouble(), t7.AsDouble()).AsSingle(), u7 = Avx512F.UnpackHigh(t5.AsDouble(), t7.AsDouble()).AsSingle();
        Vector512<float> u8 = Avx512F.UnpackLow(t8.AsDouble(), t10.AsDouble()).AsSingle(), u9 = Avx512F.UnpackHigh(t8.AsDouble(), t10.AsDouble()).AsSingle();
        Vector512<float> u10 = Avx512F.UnpackLow(t9.AsDouble(), t11.AsDouble()).AsSingle(), u11 = Avx512F.UnpackHigh(t9.AsDouble(), t11.AsDouble()).AsSingle();
        Vector512<float> u12 = Avx512F.UnpackLow(t12.AsDouble(), t14.AsDouble()).AsSingle(), u13 = Avx512F.UnpackHigh(t12.AsDouble(), t14.AsDouble()).AsSingle();
        Vector512<float> u14 = Avx512F.UnpackLow(t13.AsDouble(), t15.AsDouble()).AsSingle(), u15 = Avx512F.UnpackHigh(t13.AsDouble(), t15.AsDouble()).AsSingle();

        // Then 128-bit lanes: 0x88 takes lanes 0 and 2 of each source, 0xDD lanes 1 and 3.
        Vector512<float> v0 = Avx512F.Shuffle4x128(u0, u4, 0x88), v4 = Avx512F.Shuffle4x128(u0, u4, 0xDD);
        Vector512<float> v8 = Avx512F.Shuffle4x128(u8, u12, 0x88), v12 = Avx512F.Shuffle4x128(u8, u12, 0xDD);
        Vector512<float> v1 = Avx512F.Shuffle4x128(u1, u5, 0x88), v5 = Avx512F.Shuffle4x128(u1, u5, 0xDD);
        Vector512<float> v9 = Avx512F.Shuffle4x128(u9, u13, 0x88), v13 = Avx512F.Shuffle4x128(u9, u13, 0xDD);
        Vector512<float> v2 = Avx512F.Shuffle4x128(u2, u6, 0x88), v6 = Avx512F.Shuffle4x128(u2, u6, 0xDD);
        Vector512<float> v10 = Avx512F.Shuffle4x128(u10, u14, 0x88), v14 = Avx512F.Shuffle4x128(u10, u14, 0xDD);
        Vector512<float> v3 = Avx512F.Shuffle4x128(u3, u7, 0x88), v7 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
        Vector512<float> v11 = Avx512F.Shuffle4x128(u11, u15, 0x88), v15 = Avx512F.Shuffle4x128(u11, u15, 0xDD);

        Avx512F.MaskStore(target + (0 * targetStride), storeMask, Avx512F.Shuffle4x128(v0, v8, 0x88));
        Avx512F.MaskStore(target + (8 * targetStride), storeMask, Avx512F.Shuffle4x128(v0, v8, 0xDD));
        Avx512F.MaskStore(target + (4 * targetStride), storeMask, Avx512F.Shuffle4x128(v4, v12, 0x88));
        Avx512F.MaskStore(target + (12 * targetStride), storeMask, Avx512F.Shuffle4x128(v4, v12, 0xDD));
        Avx512F.MaskStore(target + (1 * targetStride), storeMask, Avx512F.Shuffle4x128(v1, v9, 0x88));
        Avx512F.MaskStore(target + (9 * targetStride), storeMask, Avx512F.Shuffle4x128(v1, v9, 0xDD));
        Avx512F.MaskStore(target + (5 * targetStride), storeMask, Avx512F.Shuffle4x128(v5, v13, 0x88));
        Avx512F.MaskStore(target + (13 * targetStride), storeMask, Avx512F.Shuffle4x128(v5, v13, 0xDD));
        Avx512F.MaskStore(target + (2 * targetStride), storeMask, Avx512F.Shuffle4x128(v2, v10, 0x88));
        Avx512F.MaskStore(target + (10 * targetStride), storeMask, Avx512F.Shuffle4x128(v2, v10, 0xDD));
        Avx512F.MaskStore(target + (6 * targetStride), storeMask, Avx512F.Shuffle4x128(v6, v14, 0x88));
        Avx512F.MaskStore(target + (14 * targetStride), storeMask, Avx512F.Shuffle4x128(v6, v14, 0xDD));
        Avx512F.MaskStore(target + (3 * targetStride), storeMask, Avx512F.Shuffle4x128(v3, v11, 0x88));
        Avx512F.MaskStore(target + (11 * targetStride), storeMask, Avx512F.Shuffle4x128(v3, v11, 0xDD));
        Avx512F.MaskStore(target + (7 * targetStride), storeMask, Avx512F.Shuffle4x128(v7, v15, 0x88));
        Avx512F.MaskStore(target + (15 * targetStride), storeMask, Avx512F.Shuffle4x128(v7, v15, 0xDD));
    }
}
