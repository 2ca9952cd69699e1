using Xunit;
using CyclicActors.GpuCompute.Cuda;

namespace CyclicActors.GpuCompute.Tests.Cuda;

/// <summary>A fact that runs only where the CUDA probe succeeds; elsewhere it is skipped with the probe's reason.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        ProbeResult probe = BackendProbe.ProbeCuda();
        if (!probe.IsAvailable)
        {
            Skip = probe.Summary;
        }
    }
}

/// <summary>The theory form of <see cref="CudaFactAttribute"/>.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute()
    {
        ProbeResult probe = BackendProbe.ProbeCuda();
        if (!probe.IsAvailable)
        {
            Skip = probe.Summary;
        }
    }
}
