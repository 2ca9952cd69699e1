using CyclicActors.GpuCompute.Cuda;

namespace CyclicActors.GpuDiagnostics;

/// <summary>The device a diagnostic runs on and whether cuDNN/cuBLAS may use TF32 (parity tolerances assume FP32).</summary>
public sealed record GpuTarget(int DeviceOrdinal, bool AllowTf32)
{
    internal CudaBackendOptions ToCudaOptions() => CudaBackendOptions.Default with { DeviceOrdinal = DeviceOrdinal, AllowTf32 = AllowTf32 };
}
