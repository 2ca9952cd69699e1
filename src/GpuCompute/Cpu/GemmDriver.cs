namespace CyclicActors.GpuCompute.Cpu;

/// <summary>The blocked driver: the loops over cache blocks and register tiles around the micro-kernel.</summary>
internal static unsafe partial class Gemm
{
    private static void Blocked<TKernel>(in Problem p, float* workspace)
        where TKernel : struct, IGemmMicroKernel
    {
        int depthMax = Math.Min(p.K, DepthBlock);
        float* packedA = workspace;

        // The A part of the workspace goes unused when A comes prepacked; keeping one layout keeps one length formula.
        float* packedB = workspace + (depthMax * RoundUp(Math.Min(p.M, RowBlock), TKernel.Rows));
        for (int ic = 0; ic < p.M; ic += RowBlock)
        {
            int mc = Math.Min(RowBlock, p.M - ic);
            for (int pc = 0; pc < p.K; pc += DepthBlock)
            {
                int kc = Math.Min(DepthBlock, p.K - pc);

                // The first depth block overwrites C (unless the caller accumulates); later blocks add to it.
                bool add = p.Accumulate || pc > 0;
                float* aBlock = PackedABlock<TKernel>(p, ic, pc, mc, kc, packedA);
                for (int jc = 0; jc < p.N; jc += ColumnBlock)
                {
                    int nc = Math.Min(ColumnBlock, p.N - jc);
                    GemmPacking.PackB(p.B.Data + ((long)pc * p.B.RowStride) + ((long)jc * p.B.ColStride), p.B.RowStride, p.B.ColStride, kc, nc, TKernel.Columns, packedB);
                    MultiplyPackedBlock<TKernel>(mc, nc, kc, aBlock, packedB, p.C + ((long)ic * p.Ldc) + jc, p.Ldc, add);
                }
            }
        }
    }

    /// <summary>The packed block (ic, pc) of A: packed now into the workspace, or found in the caller's prepacked A.</summary>
    private static float* PackedABlock<TKernel>(in Problem p, int ic, int pc, int mc, int kc, float* workspace)
        where TKernel : struct, IGemmMicroKernel
    {
        if (p.A.IsPacked)
        {
            return p.A.Data + PackedBlockOffset(ic, pc, mc, p.K, TKernel.Rows);
        }

        GemmPacking.PackA(p.A.Data + ((long)ic * p.A.RowStride) + ((long)pc * p.A.ColStride), p.A.RowStride, p.A.ColStride, mc, kc, TKernel.Rows, workspace);
        return workspace;
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

    /// <summary>A pinned operand: strided row-major data, or (for A) panels already packed by PackA.</summary>
    private readonly struct Operand(float* data, int rowStride, int colStride, bool packed)
    {
        public readonly float* Data = data;
        public readonly int RowStride = rowStride, ColStride = colStride;
        public readonly bool IsPacked = packed;
    }

    /// <summary>The operands of one call, pinned for its duration.</summary>
    private readonly struct Problem(int m, int n, int k, Operand a, Operand b, float* c, int ldc, bool accumulate)
    {
        public readonly int M = m, N = n, K = k;
        public readonly Operand A = a, B = b;
        public readonly float* C = c;
        public readonly int Ldc = ldc;
        public readonly bool Accumulate = accumulate;
    }
}
