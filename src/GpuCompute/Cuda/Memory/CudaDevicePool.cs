using CyclicActors.GpuCompute.Cuda.Loading;
using CyclicActors.GpuCompute.Cuda.Native;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// The one memory pool of one GPU in this process, shared by every <see cref="CudaBackend"/> of a
/// <see cref="BackendPlan"/> on that device. Each backend keeps its own stream; a block one worker
/// frees serves the next, whichever stream it runs on, so the device holds the workers' combined
/// high-water and not the sum of their separate ones.
///
/// <para><b>Cross-stream safety (event at free).</b> Returning a block records a CUDA event on the
/// freeing stream. A rent from the same stream reuses a block directly (stream order); from another
/// stream it prefers a block whose event has completed (cuEventQuery), else it issues
/// cuStreamWaitEvent so the renting stream's later work waits for the freeing stream's earlier work on
/// the device, without blocking the host. Details in <see cref="StreamAwareBlockPool{TBlock, TStream, TEvent}"/>.</para>
///
/// <para><b>Why not the driver's stream-ordered pools</b> (cuMemPoolCreate, cuMemAllocFromPoolAsync,
/// cuMemFreeAsync)? They can do the same cross-stream reuse (the REUSE_FOLLOW_EVENT_DEPENDENCIES,
/// REUSE_ALLOW_OPPORTUNISTIC and REUSE_ALLOW_INTERNAL_DEPENDENCIES attributes, on by default), so the
/// choice is not about capability: (1) the reuse decisions, the dependencies inserted between worker
/// streams, the trim and the out-of-memory retry would happen inside the driver, out of reach of a
/// test; here they are plain code that a fake device scripts in CI, and every inserted dependency is
/// counted (<see cref="CrossStreamWaits"/>), since a dependency between two workers' streams is
/// exactly what the CDP schedule must not acquire by accident; (2) the driver pool reserves in its own
/// chunk granularity, so CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH is not comparable with the CPU pool's
/// figure or with the ledger's bytes, while ours is the sum of the blocks we allocated, exactly; (3) its
/// release threshold defaults to 0 (memory goes back to the OS at every synchronise unless set), a
/// pitfall ours does not have. What we give up: sub-allocation inside large chunks (less fragmentation
/// with many distinct sizes, which a training step does not have) and driver-side high-waters.</para>
///
/// <para><b>Device-wide use.</b> <see cref="DeviceUsedBytes"/> samples cuMemGetInfo (total − free):
/// everything on the device, including other processes, the context and cuDNN/cuBLAS's private
/// workspaces. A sampler calls it from its own thread; the context is pushed for the call and popped.</para>
/// </summary>
public sealed class CudaDevicePool : IDevicePool, IDisposable
{
    private readonly PrimaryContextHandle _context;
    private readonly StreamAwareBlockPool<DeviceMemoryHandle, CudaStreamHandle, CudaEventHandle> _pool;
    private int _disposed;

    /// <summary>Retains device <paramref name="deviceOrdinal"/>'s primary context; throws <see cref="BackendUnavailableException"/> without a CUDA driver.</summary>
    public CudaDevicePool(int deviceOrdinal)
    {
        string? failure = NativeLibraries.EnsureDriver();
        if (failure is not null)
        {
            throw new BackendUnavailableException(failure, NativeLibraries.Trace);
        }

        Check.Cuda(CudaDriverApi.cuInit(0));
        Check.Cuda(CudaDriverApi.cuDeviceGet(out int device, deviceOrdinal));
        DeviceOrdinal = deviceOrdinal;
        _context = PrimaryContextHandle.Retain(device);
        _pool = new StreamAwareBlockPool<DeviceMemoryHandle, CudaStreamHandle, CudaEventHandle>(new CudaDriverMemory(_context));
    }

    public int DeviceOrdinal { get; }

    public string Device => $"cuda:{DeviceOrdinal}";

    public long ReservedBytes => _pool.ReservedBytes;

    public long ReservedPeakBytes => _pool.ReservedPeakBytes;

    /// <summary>cuMemAlloc calls so far, over every backend; a warm training step should add none.</summary>
    public long DeviceAllocations => _pool.DeviceAllocations;

    /// <summary>Rents that made their stream wait (cuStreamWaitEvent) on another stream's free.</summary>
    public long CrossStreamWaits => _pool.CrossStreamWaits;

    /// <summary>The largest <see cref="DeviceUsedBytes"/> sampled since creation or <see cref="ResetPeak"/>; null before the first sample.</summary>
    public long? DeviceUsedPeakBytes => _pool.DeviceUsedPeakBytes;

    public void ResetPeak() => _pool.ResetPeak();

    /// <summary>
    /// Device-wide bytes in use now (cuMemGetInfo: total − free), and a new sample for
    /// <see cref="DeviceUsedPeakBytes"/>. Callable from any thread (the primary context is pushed for
    /// the call and popped, so the caller's current context is unchanged); null once disposed.
    /// </summary>
    public long? DeviceUsedBytes() => _pool.DeviceUsedBytes();

    public long? DeviceFreeBytes() => _pool.DeviceFreeBytes();

    public long? Limit => _pool.Limit;

    public void KeepWithin(long? bytes) => _pool.KeepWithin(bytes);

    /// <summary>Gives every cached block back to the driver (each after the work queued on it); handed-out blocks stay.</summary>
    public void Trim() => _pool.ReleaseCached();

    /// <summary>Frees every block and event, then releases the primary-context retain. Dispose the backends first.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _pool.Dispose();
        _context.Dispose();
    }

    /// <summary>A backend's allocator on this pool: its stream and its ledger.</summary>
    internal StreamAllocator<DeviceMemoryHandle, CudaStreamHandle, CudaEventHandle> Attach(CudaStreamHandle stream, MemoryLedger ledger)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new StreamAllocator<DeviceMemoryHandle, CudaStreamHandle, CudaEventHandle>(_pool, stream, ledger);
    }
}
