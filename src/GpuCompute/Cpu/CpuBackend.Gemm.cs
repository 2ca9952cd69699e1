using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>The backend's one entry to <see cref="Gemm"/>: packing panels come from the pool as workspace.</summary>
public sealed partial class CpuBackend
{
    private void Multiply(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int ldc, bool accumulate)
    {
        // The length depends only on the shape, so a training step gets the same arrays back from the pool.
        using DeviceBuffer packing = Allocate(Gemm.WorkspaceLength(m, n, k), MemoryTag.Workspace);
        Gemm.Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate, Span(packing));
    }
}
