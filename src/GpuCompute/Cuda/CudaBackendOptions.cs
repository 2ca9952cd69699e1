namespace CyclicActors.GpuCompute.Cuda;

/// <summary>Settings of one <see cref="CudaBackend"/> (one worker on one device).</summary>
public sealed record CudaBackendOptions
{
    public static CudaBackendOptions Default { get; } = new();

    /// <summary>Which GPU (CUDA driver ordinal). Several backends may share one device.</summary>
    public int DeviceOrdinal { get; init; }

    /// <summary>
    /// Let cuDNN convolutions and cuBLAS SGEMM use TF32 tensor cores on Ampere/Hopper. Off by default
    /// so FP32 stays FP32 and CPU/GPU parity holds at ~1e-5 (cuDNN FMA math, cuBLAS default math).
    /// </summary>
    public bool AllowTf32 { get; init; }

    /// <summary>Only convolution algorithms whose workspace fits this limit are chosen.</summary>
    public long ConvolutionWorkspaceLimitBytes { get; init; } = 512L << 20;

    /// <summary>Only deterministic convolution algorithms (bitwise-reproducible runs).</summary>
    public bool RequireDeterministicAlgorithms { get; init; }

    /// <summary>
    /// Workspace handed to cuBLAS with cublasSetWorkspace_v2 so its memory is in our ledger (NVIDIA
    /// recommends 32 MiB on Hopper). Zero leaves cuBLAS to allocate its own.
    /// </summary>
    public long CublasWorkspaceBytes { get; init; } = 32L << 20;

    /// <summary>
    /// Length of the ones vector used for dense bias add/gradient (must cover the largest batch).
    /// Allocated up front so a step's ledger returns exactly to its baseline; it grows if a batch is larger.
    /// </summary>
    public int OnesCapacity { get; init; } = 8192;
}
