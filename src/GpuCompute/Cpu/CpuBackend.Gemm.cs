using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>The backend's entries to <see cref="Gemm"/>: packing panels come from the pool as workspace.</summary>
public sealed partial class CpuBackend
{
    /// <summary>One GEMM with its own packing workspace.</summary>
    private void Multiply(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate)
    {
        using DeviceBuffer packing = RentGemmWorkspace(m, n, k);
        Gemm.Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate, Span(packing));
    }

    /// <summary>
    /// Packing workspace for GEMMs of this shape, for callers that run many (one per sample). The
    /// length depends only on the shape, so a training step gets the same arrays back from the pool.
    /// </summary>
    private DeviceBuffer RentGemmWorkspace(int m, int n, int k) => Allocate(Gemm.WorkspaceLength(m, n, k), MemoryTag.Workspace);
}
