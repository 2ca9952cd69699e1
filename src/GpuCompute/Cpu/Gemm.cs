using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Single-precision GEMM on row-major matrices given by strides, so transposes cost nothing:
/// C[m,n] (+)= Σ_k A(i,k)·B(k,j), with A(i,k) = a[i·aRow + k·aCol] and B(k,j) = b[k·bRow + j·bCol].
///
/// Goto/BLIS structure: B is packed a block of DepthBlock × ColumnBlock at a time, A a block of
/// RowBlock × DepthBlock, and a register-tiled micro-kernel multiplies panel pairs. Each C element
/// is summed over k in fixed blocks of <see cref="DepthBlock"/>, in order, by the same kernel
/// whatever m and n are, so a row of a batch gives bitwise the same result whichever other rows
/// share the call. Single-threaded by design (determinism; one backend per worker thread).
/// </summary>
internal static unsafe class Gemm
{
    // Block sizes follow BLIS's Skylake-X SGEMM (KC 384, MC 480, NC 3072) with the operands' roles
    // mirrored for row-major C, and were checked by sweeping on the dev CPU (48 KiB L1d, 2 MiB L2):
    // KC 256..512 × NC 256..2048 × the loop order; KC 384 / NC 480 was best, ~15 % over KC 256.

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
        if (!IsSupported(kernel))
        {
            throw new PlatformNotSupportedException($"The {kernel} GEMM kernel needs instructions this CPU lacks.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0)
        {
            return;
        }

        RequireSpan(c.Length, m, n, ldc, 1, "C");
        if (k == 0)
        {
            ClearUnlessAccumulating(m, n, c, ldc, accumulate);
            return;
        }

        RequireSpan(a.Length, m, k, aRowStride, aColStride, "A");
        RequireSpan(b.Length, k, n, bRowStride, bColStride, "B");
        long needed = WorkspaceLength(kernel, m, n, k);
        if (workspace.Length < needed)
        {
            throw new ArgumentException($"GEMM workspace of {workspace.Length} floats; {needed} needed.");
        }

        fixed (float* pa = a, pb = b, pc = c, pw = workspace)
        {
            var problem = new Problem(m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, pc, ldc, accumulate);
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

    /// <summary>Packed A block, then packed B block, plus alignment slack.</summary>
    private static long WorkspaceLength<TKernel>(int m, int n, int k)
        where TKernel : struct, IGemmMicroKernel
    {
        long depth = Math.Min(k, DepthBlock);
        long rows = RoundUp(Math.Min(m, RowBlock), TKernel.Rows);
        long columns = RoundUp(Math.Min(n, ColumnBlock), TKernel.Columns);
        return (depth * (columns + rows)) + AlignmentSlack;
    }

    private static void Blocked<TKernel>(in Problem p, float* workspace)
        where TKernel : struct, IGemmMicroKernel
    {
        int depthMax = Math.Min(p.K, DepthBlock);
        float* packedA = workspace;
        float* packedB = workspace + (depthMax * RoundUp(Math.Min(p.M, RowBlock), TKernel.Rows));
        for (int ic = 0; ic < p.M; ic += RowBlock)
        {
            int mc = Math.Min(RowBlock, p.M - ic);
            for (int pc = 0; pc < p.K; pc += DepthBlock)
            {
                int kc = Math.Min(DepthBlock, p.K - pc);

                // The first depth block overwrites C (unless the caller accumulates); later blocks add to it.
                bool add = p.Accumulate || pc > 0;
                GemmPacking.PackA(p.A + ((long)ic * p.ARowStride) + ((long)pc * p.AColStride), p.ARowStride, p.AColStride, mc, kc, TKernel.Rows, packedA);
                for (int jc = 0; jc < p.N; jc += ColumnBlock)
                {
                    int nc = Math.Min(ColumnBlock, p.N - jc);
                    GemmPacking.PackB(p.B + ((long)pc * p.BRowStride) + ((long)jc * p.BColStride), p.BRowStride, p.BColStride, kc, nc, TKernel.Columns, packedB);
                    MultiplyPackedBlock<TKernel>(mc, nc, kc, packedA, packedB, p.C + ((long)ic * p.Ldc) + jc, p.Ldc, add);
                }
            }
        }
    }

    /// <summary>
    /// Sweeps the micro-kernel over a packed block. Each A panel (Rows×depth, the broadcast operand)
    /// stays in L1 while the B panels stream past it from the L2-resident B block, as in BLIS.
    /// </summary>
    private static void MultiplyPackedBlock<TKernel>(int rows, int columns, int depth, float* packedA, float* packedB, float* c, int ldc, bool add)
        where TKernel : struct, IGemmMicroKernel
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        float* edgeTile = stackalloc float[mr * nr];
        for (int ir = 0; ir < rows; ir += mr)
        {
            int tileRows = Math.Min(mr, rows - ir);
            float* aPanel = packedA + ((long)ir * depth);
            for (int jr = 0; jr < columns; jr += nr)
            {
                int tileColumns = Math.Min(nr, columns - jr);
                float* bPanel = packedB + ((long)jr * depth);
                float* cTile = c + ((long)ir * ldc) + jr;
                if (tileRows == mr && tileColumns == nr)
                {
                    TKernel.Multiply(depth, aPanel, bPanel, cTile, ldc, add);
                }
                else
                {
                    // A partial tile is computed in full (zero-padded panels) and only its valid part is merged.
                    TKernel.Multiply(depth, aPanel, bPanel, edgeTile, nr, accumulate: false);
                    MergeTile(edgeTile, nr, cTile, ldc, tileRows, tileColumns, add);
                }
            }
        }
    }

    private static void MergeTile(float* tile, int tileStride, float* c, int ldc, int rows, int columns, bool add)
    {
        for (int r = 0; r < rows; r++)
        {
            float* source = tile + (r * tileStride);
            float* target = c + ((long)r * ldc);
            for (int j = 0; j < columns; j++)
            {
                target[j] = add ? target[j] + source[j] : source[j];
            }
        }
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

    /// <summary>The operands of one call, pinned for its duration.</summary>
    private readonly struct Problem(
        int m, int n, int k,
        float* a, int aRowStride, int aColStride,
        float* b, int bRowStride, int bColStride,
        float* c, int ldc, bool accumulate)
    {
        public readonly int M = m, N = n, K = k;
        public readonly float* A = a, B = b, C = c;
        public readonly int ARowStride = aRowStride, AColStride = aColStride, BRowStride = bRowStride, BColStride = bColStride, Ldc = ldc;
        public readonly bool Accumulate = accumulate;
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
