using System.Runtime.Intrinsics;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Copies blocks of A and B into the panel layouts the micro-kernels read sequentially, padding
/// partial panels with zeros so edge tiles run the same kernel (and the same arithmetic) as full ones.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows [0, rows) × depth [0, depth) of A (pointer already at the block's corner) into
    /// panels of <paramref name="panelRows"/> rows: panel q holds, for each k, rows q·panelRows.. of column k.
    /// </summary>
    public static void PackA(float* a, int rowStride, int colStride, int rows, int depth, int panelRows, float* packed)
    {
        for (int first = 0; first < rows; first += panelRows, packed += panelRows * depth)
        {
            int count = Math.Min(panelRows, rows - first);
            float* source = a + ((long)first * rowStride);

            // Written sequentially, one k at a time: the panel's rows are read with a stride, but
            // each cache line read serves 16 consecutive k, so the few rows stay in L1.
            for (int p = 0; p < depth; p++)
            {
                float* column = source + ((long)p * colStride);
                float* target = packed + (p * panelRows);
                for (int r = 0; r < count; r++)
                {
                    target[r] = column[(long)r * rowStride];
                }
            }

            ZeroMissingRows(packed, count, panelRows, depth);
        }
    }

    /// <summary>
    /// Packs depth [0, depth) × columns [0, columns) of B into panels of <paramref name="panelColumns"/>
    /// columns: panel q holds, for each k, columns q·panelColumns.. of row k.
    /// </summary>
    public static void PackB(float* b, int rowStride, int colStride, int depth, int columns, int panelColumns, float* packed)
    {
        for (int first = 0; first < columns; first += panelColumns, packed += panelColumns * depth)
        {
            int count = Math.Min(panelColumns, columns - first);
            float* source = b + ((long)first * colStride);
            if (colStride == 1 && count == panelColumns && panelColumns % Vector512<float>.Count == 0 && Vector512.IsHardwareAccelerated)
            {
                // Row-major B, full panel: a few vector moves per k; a memmove call per 32 floats cost ~10 % at 256³.
                for (int p = 0; p < depth; p++)
                {
                    float* row = source + ((long)p * rowStride), target = packed + (p * panelColumns);
                    for (int j = 0; j < panelColumns; j += Vector512<float>.Count)
                    {
                        Vector512.Load(row + j).Store(target + j);
                    }
                }
            }
            else if (colStride == 1)
            {
                // Row-major B: each k contributes one contiguous run of the panel's columns.
                for (int p = 0; p < depth; p++)
                {
                    new ReadOnlySpan<float>(source + ((long)p * rowStride), count).CopyTo(new Span<float>(packed + (p * panelColumns), count));
                }
            }
            else
            {
                // Transposed B: write each k's run sequentially; the panel's columns are read with
                // a stride, but each cache line read serves 16 consecutive k, so they stay in L1.
                for (int p = 0; p < depth; p++)
                {
                    float* row = source + ((long)p * rowStride);
                    float* target = packed + (p * panelColumns);
                    for (int j = 0; j < count; j++)
                    {
                        target[j] = row[(long)j * colStride];
                    }
                }
            }

            ZeroMissingRows(packed, count, panelColumns, depth);
        }
    }

    private static void ZeroMissingRows(float* panel, int count, int width, int depth)
    {
        if (count == width)
        {
            return;
        }

        for (int p = 0; p < depth; p++)
        {
            new Span<float>(panel + (p * width) + count, width - count).Clear();
        }
    }
}
