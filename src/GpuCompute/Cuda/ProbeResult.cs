namespace CyclicActors.GpuCompute.Cuda;

/// <summary>What <see cref="BackendProbe.ProbeCuda"/> found: a usable GPU, or why not.</summary>
public abstract record ProbeResult
{
    private ProbeResult()
    {
    }

    public abstract bool IsAvailable { get; }

    /// <summary>One line for logs and the backend selection message.</summary>
    public abstract string Summary { get; }

    /// <summary>The library search and load attempts, one per line.</summary>
    public abstract string Trace { get; }

    /// <summary>CUDA, cuDNN and cuBLAS load and work on device <see cref="DeviceOrdinal"/>.</summary>
    public sealed record Available(
        int DeviceOrdinal,
        string DeviceName,
        int ComputeCapabilityMajor,
        int ComputeCapabilityMinor,
        int MultiprocessorCount,
        long TotalMemoryBytes,
        int DriverVersion,
        long CudnnVersion,
        long CudnnCudartVersion,
        string CublasVersion,
        string LoadTrace) : ProbeResult
    {
        public override bool IsAvailable => true;

        public override string Trace => LoadTrace;

        public override string Summary =>
            $"cuda:{DeviceOrdinal} {DeviceName} (sm_{ComputeCapabilityMajor}{ComputeCapabilityMinor}, {MultiprocessorCount} SMs, " +
            $"{TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB), driver {FormatCudaVersion(DriverVersion)}, " +
            $"cuDNN {FormatCudnnVersion(CudnnVersion)} (built for CUDA {FormatCudaVersion((int)CudnnCudartVersion)}), cuBLAS {CublasVersion}";
    }

    /// <summary>No usable GPU; <see cref="Reason"/> says which check failed.</summary>
    public sealed record Unavailable(string Reason, string LoadTrace) : ProbeResult
    {
        public override bool IsAvailable => false;

        public override string Trace => LoadTrace;

        public override string Summary => $"CUDA unavailable: {Reason}";
    }

    /// <summary>13000 → "13.0" (the driver's and cudart's encoding: major·1000 + minor·10).</summary>
    public static string FormatCudaVersion(int version) => $"{version / 1000}.{version % 1000 / 10}";

    /// <summary>91000 → "9.10.0" (cuDNN 9 encoding: major·10000 + minor·100 + patch).</summary>
    public static string FormatCudnnVersion(long version) => $"{version / 10000}.{version % 10000 / 100}.{version % 100}";
}
