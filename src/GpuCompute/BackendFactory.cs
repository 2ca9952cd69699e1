using CyclicActors.GpuCompute.Cuda;

namespace CyclicActors.GpuCompute;

/// <summary>
/// Backend selection: decides which compute backend a run uses and says, in one line, why. Auto falls
/// back to the CPU when the CUDA probe fails; an explicit CUDA choice fails with the probe's reason
/// instead, so a GPU run can never quietly train on the CPU. With CPU, CUDA is never touched. The
/// backends themselves come from the resulting <see cref="BackendPlan"/>.
/// </summary>
public static class BackendFactory
{
    /// <summary>
    /// Decides the backend without creating any: CPU when asked; otherwise probes CUDA, falling back
    /// to the CPU with the reason for auto and throwing <see cref="BackendUnavailableException"/> for cuda.
    /// </summary>
    public static BackendPlan Resolve(BackendChoice choice, CudaBackendOptions? cudaOptions = null)
    {
        CudaBackendOptions options = cudaOptions ?? CudaBackendOptions.Default;
        if (choice == BackendChoice.Cpu)
        {
            return new BackendPlan(BackendChoice.Cpu, "(requested)", options);
        }

        ProbeResult probe = BackendProbe.ProbeCuda(options.DeviceOrdinal);
        return probe switch
        {
            ProbeResult.Unavailable unavailable when choice == BackendChoice.Cuda => throw new BackendUnavailableException(unavailable.Reason, unavailable.Trace),
            ProbeResult.Unavailable => new BackendPlan(BackendChoice.Cpu, $"(auto: {probe.Summary})", options),
            _ => new BackendPlan(BackendChoice.Cuda, $"on {probe.Summary}; {(options.AllowTf32 ? "TF32 allowed" : "FP32 (TF32 off)")}", options),
        };
    }
}
