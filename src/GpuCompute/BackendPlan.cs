using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute;

/// <summary>
/// Which backend every worker of a run gets, decided once by <see cref="BackendFactory.Resolve"/>
/// (probing CUDA for auto), and why (<see cref="Detail"/>, printed in the selection line). <see cref="Create"/> makes one backend
/// with its own ledger under <paramref name="parentLedger"/>. Every CPU backend a plan creates
/// draws from one pool (<see cref="CpuPool"/>), so a block one worker frees serves the next;
/// backends on one GPU share its primary context, each with its own stream and handles.
/// </summary>
public sealed record BackendPlan(BackendChoice Resolved, string Detail, CudaBackendOptions CudaOptions)
{
    /// <summary>The process's one CPU pool: the CPU backends' memory, and the reducers' host copies on any backend.</summary>
    public CpuMemoryPool CpuPool { get; } = new();

    /// <summary>The pool of the device the workers run on (the CPU pool on the CPU).</summary>
    public IDevicePool DevicePool => CpuPool;

    /// <summary>"cpu" or "cuda:N".</summary>
    public string Name => Resolved == BackendChoice.Cuda ? $"cuda:{CudaOptions.DeviceOrdinal}" : "cpu";

    public string SelectionLine => $"backend: {Kind} {Detail}";

    private string Kind => Resolved == BackendChoice.Cuda ? "cuda" : "cpu";

    public IComputeBackend Create(MemoryLedger? parentLedger) => Resolved == BackendChoice.Cuda
        ? new CudaBackend(CudaOptions, new MemoryLedger(parentLedger))
        : new CpuBackend(new MemoryLedger(parentLedger), CpuPool);

    /// <summary>The shape the actor runtime's per-rank backend factory expects.</summary>
    public IComputeBackend CreateForRank(int rank, MemoryLedger processLedger) => Create(processLedger);

    /// <summary>A CPU backend on the plan's CPU pool: where the reducers keep the master parameters and momentum (host memory, whatever the workers run on).</summary>
    public IComputeBackend CreateHost(MemoryLedger processLedger) => new CpuBackend(new MemoryLedger(processLedger), CpuPool);
}
