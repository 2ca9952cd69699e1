using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute;

/// <summary>
/// Which backend every worker of a run gets, decided once by <see cref="BackendFactory.Resolve"/>
/// (probing CUDA for auto), and why (<see cref="Detail"/>, printed in the selection line). <see cref="Create"/> makes one backend
/// with its own ledger under <paramref name="parentLedger"/>. Every backend a plan creates draws from
/// its device's one pool (<see cref="DevicePool"/>), so a block one worker frees serves the next: the
/// <see cref="CpuPool"/> on the CPU, one <see cref="CudaDevicePool"/> on a GPU, created with the first
/// CUDA backend. Backends on one GPU share its primary context, each with its own stream and handles.
/// Dispose the plan after every backend it created: that frees the GPU pool's memory.
/// </summary>
public sealed class BackendPlan(BackendChoice resolved, string detail, CudaBackendOptions cudaOptions) : IDisposable
{
    private readonly object _gate = new();
    private CudaDevicePool? _cudaPool;
    private bool _disposed;

    public BackendChoice Resolved { get; } = resolved;

    public string Detail { get; } = detail;

    public CudaBackendOptions CudaOptions { get; } = cudaOptions;

    /// <summary>The process's one CPU pool: the CPU backends' memory, and the reducers' host copies on any backend.</summary>
    public CpuMemoryPool CpuPool { get; } = new();

    /// <summary>
    /// The pool of the device the workers run on: the CPU pool on the CPU; on CUDA the device's shared
    /// pool (created here if no backend has been yet), whose <see cref="IDevicePool.DeviceUsedBytes"/>
    /// a sampler may call from its own thread.
    /// </summary>
    public IDevicePool DevicePool => Resolved == BackendChoice.Cuda ? CudaPool() : CpuPool;

    /// <summary>"cpu" or "cuda:N".</summary>
    public string Name => Resolved == BackendChoice.Cuda ? $"cuda:{CudaOptions.DeviceOrdinal}" : "cpu";

    public string SelectionLine => $"backend: {Kind} {Detail}";

    private string Kind => Resolved == BackendChoice.Cuda ? "cuda" : "cpu";

    public IComputeBackend Create(MemoryLedger? parentLedger) => Resolved == BackendChoice.Cuda
        ? new CudaBackend(CudaOptions, new MemoryLedger(parentLedger), CudaPool())
        : new CpuBackend(new MemoryLedger(parentLedger), CpuPool);

    /// <summary>
    /// A backend on a pool of its own (the backend owns it), so that what one measurement reserves
    /// is not mixed with the shared pool (<see cref="Training.OpFootprint"/>).
    /// </summary>
    public (IComputeBackend Backend, IDevicePool Pool) CreateIsolated(MemoryLedger ledger)
    {
        if (Resolved == BackendChoice.Cuda)
        {
            var cuda = new CudaBackend(CudaOptions, ledger);
            return (cuda, cuda.Pool!);
        }

        var cpu = new CpuBackend(ledger);
        return (cpu, cpu.Pool);
    }

    /// <summary>The shape the actor runtime's per-rank backend factory expects.</summary>
    public IComputeBackend CreateForRank(int rank, MemoryLedger processLedger) => Create(processLedger);

    /// <summary>A CPU backend on the plan's CPU pool: where the reducers keep the master parameters and momentum (host memory, whatever the workers run on).</summary>
    public IComputeBackend CreateHost(MemoryLedger processLedger) => new CpuBackend(new MemoryLedger(processLedger), CpuPool);

    /// <summary>Frees the GPU pool (every block and event) and releases its context retain; the CPU pool is left to the GC.</summary>
    public void Dispose()
    {
        CudaDevicePool? pool;
        lock (_gate)
        {
            _disposed = true;
            pool = _cudaPool;
            _cudaPool = null;
        }

        pool?.Dispose();
    }

    public override string ToString() => SelectionLine;

    private CudaDevicePool CudaPool()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _cudaPool ??= new CudaDevicePool(CudaOptions.DeviceOrdinal);
        }
    }
}
