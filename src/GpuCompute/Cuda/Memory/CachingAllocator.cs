using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// The bookkeeping of the CUDA backend's caching allocator, independent of CUDA so tests can drive
/// it with a fake "device malloc". Blocks are cached in exact-size free lists and handed out again;
/// a training step asks for the same sizes every step, so after the first step nothing is allocated
/// and nothing is freed until <see cref="ReleaseCached"/> or <see cref="Dispose"/>.
///
/// The ledger counts handed-out bytes per tag (the same numbers the CPU backend reports, since both
/// count <c>length × 4</c>); <see cref="ReservedBytes"/> counts what the device holds for us.
/// Reuse is safe without synchronisation only because every user of a backend's blocks queues its
/// work on the backend's single stream: a block returned and handed out again is touched by the new
/// owner strictly after the previous owner's queued work.
/// </summary>
/// <typeparam name="TBlock">One device allocation; disposing it frees the device memory.</typeparam>
internal sealed class CachingAllocator<TBlock> : IDisposable
    where TBlock : class, IDisposable
{
    /// <summary>cuMemAlloc rejects 0 bytes; tiny requests get one minimum-size block.</summary>
    public const long MinimumBlockBytes = 256;

    private readonly Func<long, TBlock> _malloc;
    private readonly Func<Exception, bool> _isOutOfMemory;
    private readonly MemoryLedger _ledger;
    private readonly Dictionary<long, Stack<TBlock>> _free = new();
    private readonly HashSet<TBlock> _inUse = new(ReferenceEqualityComparer.Instance);
    private readonly object _gate = new();
    private long _reserved;
    private long _peakReserved;
    private long _deviceAllocations;
    private bool _disposed;

    public CachingAllocator(Func<long, TBlock> malloc, Func<Exception, bool> isOutOfMemory, MemoryLedger ledger)
    {
        _malloc = malloc;
        _isOutOfMemory = isOutOfMemory;
        _ledger = ledger;
    }

    public long ReservedBytes => Interlocked.Read(ref _reserved);

    public long PeakReservedBytes => Interlocked.Read(ref _peakReserved);

    /// <summary>Calls of the underlying malloc so far (a warm step should add none).</summary>
    public long DeviceAllocations => Interlocked.Read(ref _deviceAllocations);

    public static long BlockBytes(long requestedBytes) => Math.Max(requestedBytes, MinimumBlockBytes);

    /// <summary>A block of at least <paramref name="bytes"/>; the ledger records <paramref name="bytes"/> under <paramref name="tag"/>.</summary>
    public TBlock Rent(long bytes, MemoryTag tag)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long blockBytes = BlockBytes(bytes);
        TBlock? block = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_free.TryGetValue(blockBytes, out var stack) && stack.Count > 0)
            {
                block = stack.Pop();
            }
        }

        block ??= AllocateFresh(blockBytes);
        lock (_gate)
        {
            _inUse.Add(block);
        }

        _ledger.OnAllocated(tag, bytes);
        return block;
    }

    /// <summary>Puts a block back in its free list. After <see cref="Dispose"/> only the ledger is updated.</summary>
    public void Return(TBlock block, long bytes, MemoryTag tag)
    {
        _ledger.OnReleased(tag, bytes);
        lock (_gate)
        {
            if (_disposed || !_inUse.Remove(block))
            {
                return; // already freed with the allocator
            }

            long blockBytes = BlockBytes(bytes);
            if (!_free.TryGetValue(blockBytes, out var stack))
            {
                stack = new Stack<TBlock>();
                _free[blockBytes] = stack;
            }

            stack.Push(block);
        }
    }

    /// <summary>Frees every cached (not handed-out) block; used after an out-of-memory error and by tests.</summary>
    public void ReleaseCached()
    {
        List<(long Bytes, TBlock Block)> victims;
        lock (_gate)
        {
            victims = _free.SelectMany(pair => pair.Value.Select(block => (pair.Key, block))).ToList();
            _free.Clear();
        }

        foreach ((long bytes, TBlock block) in victims)
        {
            block.Dispose();
            Interlocked.Add(ref _reserved, -bytes);
        }
    }

    /// <summary>Frees every block, cached or handed out; buffers still held become unusable.</summary>
    public void Dispose()
    {
        List<TBlock> inUse;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            inUse = _inUse.ToList();
            _inUse.Clear();
        }

        ReleaseCached();
        lock (_gate)
        {
            _disposed = true;
        }

        foreach (TBlock block in inUse)
        {
            block.Dispose();
        }

        Interlocked.Exchange(ref _reserved, 0);
    }

    private TBlock AllocateFresh(long blockBytes)
    {
        TBlock block;
        try
        {
            block = _malloc(blockBytes);
        }
        catch (Exception e) when (_isOutOfMemory(e))
        {
            // Like PyTorch's allocator: give the cached blocks back to the driver and retry once.
            ReleaseCached();
            block = _malloc(blockBytes);
        }

        Interlocked.Increment(ref _deviceAllocations);
        long reserved = Interlocked.Add(ref _reserved, blockBytes);
        long peak = Interlocked.Read(ref _peakReserved);
        while (reserved > peak && Interlocked.CompareExchange(ref _peakReserved, reserved, peak) != peak)
        {
            peak = Interlocked.Read(ref _peakReserved);
        }

        return block;
    }
}
