using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Single-precision GEMM on row-major matrices given by strides, so transposes cost nothing:
/// C[m,n] (+)= Σ_k A(i,k)·B(k,j), with A(i,k) = a[i·aRow + k·aCol] and B(k,j) = b[k·bRow + j·bCol].
///
/// Goto/BLIS structure: A is packed a block of RowBlock × DepthBlock at a time (or once for all,
/// see PackA), B a block of DepthBlock × ColumnBlock, and a register-tiled micro-kernel multiplies
/// panel pairs. Each C element
/// is summed over k in fixed blocks of <see cref="DepthBlock"/>, in order, by the same kernel
/// whatever m and n are, so a row of a batch gives bitwise the same result whichever other rows
/// share the call. Single-threaded by design (determinism; one backend per worker thread).
/// </summary>
internal static unsafe partial class Gemm
{
    // Block sizes follow BLIS's Skylake-X SGEMM (KC 384, MC 480, NC 3072) with the operands' roles
    // mirrored for row-major C. A sweep on the dev CPU (48 KiB L1d, 2 MiB L2; KC 256..512,
    // NC 256..2048, both loop orders) put this order with KC 384 / NC 480 ahead, mostly at 1024³
    // (the first version, B panel in L1 with KC 256, fell from ~120 GFLOP/s at 512³ to ~70 at 1024³).
    // The machine was shared, so only differences of 10 % or more were taken as real.

    /// <summary>k per packed block: a 12×384 A panel (18 KiB) stays in L1 while B panels stream past it.</summary>
    internal const int DepthBlock = 384;

    /// <summary>Rows of A per packed block: 1536×384 floats (2.25 MiB) live in L3 and are packed once per depth block.</summary>
    internal const int RowBlock = 1536;

    /// <summary>Columns of B per packed block: 384×480 floats (720 KiB) stay in the 2 MiB L2 while every A panel passes over them.</summary>
    internal const int ColumnBlock = 480;

    /// <summary>Floats of slack so the packed panels can start on a 64-byte boundary.</summary>
    private const int AlignmentSlack = 16;

    /// <summary>The widest micro-kernel this CPU runs; results are reproducible for a given kernel.</summary>
    public static GemmKernel Preferred { get; } =
        IsSupported(GemmKernel.Avx512) ? GemmKernel.Avx512
        : IsSupported(GemmKernel.Avx2) ? GemmKernel.Avx2
        : GemmKernel.Scalar;

    public static bool IsSupported(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Avx512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        GemmKernel.Avx2 => Vector256.IsHardwareAccelerated && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Floats of packing workspace <see cref="Multiply"/> needs for this problem.</summary>
    public static long WorkspaceLength(int m, int n, int k) => WorkspaceLength(Preferred, m, n, k);

    public static long WorkspaceLength(GemmKernel kernel, int m, int n, int k) => kernel switch
    {
        GemmKernel.Avx512 => WorkspaceLength<Avx512Kernel12x32>(m, n, k),
        GemmKernel.Avx2 => WorkspaceLength<Avx2Kernel6x16>(m, n, k),
        _ => WorkspaceLength<ScalarKernel4x4>(m, n, k),
    };

    /// <summary>Computes C = A·B, or C += A·B when <paramref name="accumulate"/> is set, with the preferred kernel.</summary>
    public static void Multiply(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate,
        Span<float> workspace)
        => Multiply(Preferred, m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate, workspace);

    /// <summary>As above with a chosen kernel (tests run every kernel the CPU supports).</summary>
    public static void Multiply(
        GemmKernel kernel,
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate,
        Span<float> workspace)
    {
        if (!HasWork(kernel, m, n, k, c, ldc, accumulate))
        {
            return;
        }

        RequireSpan(a.Length, m, k, aRowStride, aColStride, "A");
        fixed (float* pa = a)
        {
            Run(kernel, new Operand(pa, aRowStride, aColStride, packed: false), m, n, k, b, bRowStride, bColStride, c, ldc, accumulate, workspace);
        }
    }

    /// <summary>Floats <see cref="PackA(int, int, ReadOnlySpan{float}, int, int, Span{float})"/> writes for an m×k A, for the preferred kernel.</summary>
    public static long PackedALength(int m, int k) => PackedALength(Preferred, m, k);

    /// <summary>Packs A for the preferred kernel.</summary>
    public static void PackA(int m, int k, ReadOnlySpan<float> a, int aRowStride, int aColStride, Span<float> packed)
        => PackA(Preferred, m, k, a, aRowStride, aColStride, packed);

    /// <summary>C (+)= A·B with A packed for the preferred kernel.</summary>
    public static void MultiplyPackedA(
        int m, int n, int k,
        ReadOnlySpan<float> packedA,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate,
        Span<float> workspace)
        => MultiplyPackedA(Preferred, m, n, k, packedA, b, bRowStride, bColStride, c, ldc, accumulate, workspace);

    /// <summary>Floats <see cref="PackA(GemmKernel, int, int, ReadOnlySpan{float}, int, int, Span{float})"/> writes for an m×k matrix A.</summary>
    public static long PackedALength(GemmKernel kernel, int m, int k) => (long)RoundUp(m, Rows(kernel)) * k;

    /// <summary>
    /// Packs all of A once, for a caller that multiplies the same A by many B (a convolution's
    /// weights by each sample's columns). Layout: for each block of RowBlock rows, for each block of
    /// DepthBlock k, the panels the driver would otherwise pack, so block (ic, pc) starts at
    /// ic·k + RoundUp(mc, Rows)·pc (RowBlock is a multiple of every kernel's Rows).
    /// </summary>
    public static void PackA(GemmKernel kernel, int m, int k, ReadOnlySpan<float> a, int aRowStride, int aColStride, Span<float> packed)
    {
        RequireSpan(a.Length, m, k, aRowStride, aColStride, "A");
        if (packed.Length < PackedALength(kernel, m, k))
        {
            throw new ArgumentException($"Packed A of {packed.Length} floats; {PackedALength(kernel, m, k)} needed.");
        }

        int rows = Rows(kernel);
        fixed (float* pa = a, pp = packed)
        {
            for (int ic = 0; ic < m; ic += RowBlock)
            {
                int mc = Math.Min(RowBlock, m - ic);
                for (int pc = 0; pc < k; pc += DepthBlock)
                {
                    int kc = Math.Min(DepthBlock, k - pc);
                    float* source = pa + ((long)ic * aRowStride) + ((long)pc * aColStride);
                    GemmPacking.PackA(source, aRowStride, aColStride, mc, kc, rows, pp + PackedBlockOffset(ic, pc, mc, k, rows));
                }
            }
        }
    }

    /// <summary>C (+)= A·B with A already packed by PackA for the same kernel, m and k; bitwise equal to Multiply on the unpacked A.</summary>
    public static void MultiplyPackedA(
        GemmKernel kernel,
        int m, int n, int k,
        ReadOnlySpan<float> packedA,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate,
        Span<float> workspace)
    {
        if (!HasWork(kernel, m, n, k, c, ldc, accumulate))
        {
            return;
        }

        if (packedA.Length < PackedALength(kernel, m, k))
        {
            throw new ArgumentException($"Packed A of {packedA.Length} floats; {PackedALength(kernel, m, k)} needed.");
        }

        fixed (float* pa = packedA)
        {
            Run(kernel, new Operand(pa, 0, 0, packed: true), m, n, k, b, bRowStride, bColStride, c, ldc, accumulate, workspace);
        }
    }

    /// <summary>Validates the call; false when there is nothing left to multiply (empty C, or k = 0, which only clears C).</summary>
    private static bool HasWork(GemmKernel kernel, int m, int n, int k, Span<float> c, int ldc, bool accumulate)
    {
        if (!IsSupported(kernel))
        {
            throw new PlatformNotSupportedException($"The {kernel} GEMM kernel needs instructions this CPU lacks.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0)
        {
            return false;
        }

        RequireSpan(c.Length, m, n, ldc, 1, "C");
        if (k == 0)
        {
            ClearUnlessAccumulating(m, n, c, ldc, accumulate);
            return false;
        }

        return true;
    }

    private static void Run(
        GemmKernel kernel, Operand a, int m, int n, int k,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate, Span<float> workspace)
    {
        RequireSpan(b.Length, k, n, bRowStride, bColStride, "B");
        long needed = WorkspaceLength(kernel, m, n, k);
        if (workspace.Length < needed)
        {
            throw new ArgumentException($"GEMM workspace of {workspace.Length} floats; {needed} needed.");
        }

        fixed (float* pb = b, pc = c, pw = workspace)
        {
            var problem = new Problem(m, n, k, a, new Operand(pb, bRowStride, bColStride, packed: false), pc, ldc, accumulate);
            float* aligned = (float*)(((nint)pw + 63) & ~(nint)63);
            switch (kernel)
            {
                case GemmKernel.Avx512:
                    Blocked<Avx512Kernel12x32>(problem, aligned);
                    break;
                case GemmKernel.Avx2:
                    Blocked<Avx2Kernel6x16>(problem, aligned);
                    break;
                default:
                    Blocked<ScalarKernel4x4>(problem, aligned);
                    break;
            }
        }
    }

    private static int Rows(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Avx512 => Avx512Kernel12x32.Rows,
        GemmKernel.Avx2 => Avx2Kernel6x16.Rows,
        _ => ScalarKernel4x4.Rows,
    };

    private static long PackedBlockOffset(int ic, int pc, int mc, int k, int rows) => ((long)ic * k) + ((long)RoundUp(mc, rows) * pc);

    /// <summary>Packed A block, then packed B block, plus alignment slack.</summary>
    private static long WorkspaceLength<TKernel>(int m, int n, int k)
        where TKernel : struct, IGemmMicroKernel
    {
        long depth = Math.Min(k, DepthBlock);
        long rows = RoundUp(Math.Min(m, RowBlock), TKernel.Rows);
        long columns = RoundUp(Math.Min(n, ColumnBlock), TKernel.Columns);
        return (depth * (columns + rows)) + AlignmentSlack;
    }

    private static void ClearUnlessAccumulating(int m, int n, Span<float> c, int ldc, bool accumulate)
    {
        if (accumulate)
        {
            return;
        }

        for (int i = 0; i < m; i++)
        {
            c.Slice(i * ldc, n).Clear();
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static void RequireSpan(int length, int rows, int cols, int rowStride, int colStride, string name)
    {
        long last = ((long)(rows - 1) * rowStride) + ((long)(cols - 1) * colStride);
        if (rowStride < 0 || colStride < 0 || last >= length)
        {
            throw new ArgumentException($"GEMM operand {name} ({rows}x{cols}, strides {rowStride},{colStride}) does not fit a span of {length}.");
        }
    }
}

/// <summary>The micro-kernels, by instruction set.</summary>
internal enum GemmKernel
{
    /// <summary>4×4 tile, unfused multiply-adds.</summary>
    Scalar,

    /// <summary>6×16 tile of Vector256 FMAs.</summary>
    Avx2,

    /// <summary>12×32 tile of Vector512 FMAs.</summary>
    Avx512,
}
