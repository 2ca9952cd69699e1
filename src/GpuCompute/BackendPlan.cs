using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute;

/// <summary>
/// Which backend every worker of a run gets, decided once by <see cref="BackendFactory.Resolve"/>
/// (probing CUDA for auto), and why (<see cref="Detail"/>, printed in the selection line). <see cref="Create"/> makes one backend
/// with its own ledger under <paramref name="parentLedger"/>; backends on one GPU share its
/// primary context, each with its own stream, handles and allocator.
/// </summary>
public sealed record BackendPlan(BackendChoice Resolved, string Detail, CudaBackendOptions CudaOptions)
{
    /// <summary>"cpu" or "cuda:N".</summary>
    public string Name => Resolved == BackendChoice.Cuda ? $"cuda:{CudaOptions.DeviceOrdinal}" : "cpu";

    public string SelectionLine => $"backend: {Kind} {Detail}";

    private string Kind => Resolved == BackendChoice.Cuda ? "cuda" : "cpu";

    public IComputeBackend Create(MemoryLedger? parentLedger) => Resolved == BackendChoice.Cuda
        ? new CudaBackend(CudaOptions, new MemoryLedger(parentLedger))
        : new CpuBackend(new MemoryLedger(parentLedger));

    /// <summary>The shape the actor runtime's per-rank backend factory expects.</summary>
    public IComputeBackend CreateForRank(int rank, MemoryLedger processLedger) => Create(processLedger);
}
