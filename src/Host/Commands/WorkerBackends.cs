using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Decides once, before any worker starts, which backend the workers get (probing CUDA for auto),
/// and hands the actor runtime a factory that creates one backend per worker rank, each with its own
/// ledger under the process-wide one. Several workers on one GPU share its primary context.
/// </summary>
internal sealed record WorkerBackends(BackendChoice Resolved, string SelectionLine, string Name, CudaBackendOptions CudaOptions)
{
    public static WorkerBackends Resolve(BackendChoice choice, CudaBackendOptions? cudaOptions = null)
    {
        var options = cudaOptions ?? CudaBackendOptions.Default;
        if (choice == BackendChoice.Cpu)
        {
            return new WorkerBackends(BackendChoice.Cpu, "backend: cpu (requested)", "cpu", options);
        }

        var probe = BackendProbe.ProbeCuda(options.DeviceOrdinal);
        return probe switch
        {
            ProbeResult.Unavailable unavailable when choice == BackendChoice.Cuda => throw new BackendUnavailableException(unavailable.Reason, unavailable.Trace),
            ProbeResult.Unavailable => new WorkerBackends(BackendChoice.Cpu, $"backend: cpu (auto: {probe.Summary})", "cpu", options),
            _ => new WorkerBackends(BackendChoice.Cuda, $"backend: cuda on {probe.Summary}; {(options.AllowTf32 ? "TF32 allowed" : "FP32 (TF32 off)")}", $"cuda:{options.DeviceOrdinal}", options),
        };
    }

    public IComputeBackend Create(int rank, MemoryLedger processLedger) => Resolved == BackendChoice.Cuda
        ? new CudaBackend(CudaOptions, new MemoryLedger(processLedger))
        : new CpuBackend(new MemoryLedger(processLedger));
}
