using CyclicActors.GpuCompute.Memory;
namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// The bookkeeping of one device's shared memory pool, independent of CUDA so a fake device can drive
/// it: exact-size free lists, the event recorded when each cached block was freed and the stream that
/// freed it, the bytes reserved from the device and their high-water, and the release of cached
/// blocks when the device runs out of memory. Thread-safe: every worker (one pinned thread each)
/// rents and returns concurrently.
///
/// <para><b>The cross-stream rule.</b> A block is returned after its owner has queued, on its own
/// stream, the last work that touches it; the return records an event on that stream. A later rent
/// takes, in this order of preference:</para>
/// <list type="number">
/// <item>a block freed by the same stream (stream order already puts the new work after the old; no
/// event needed);</item>
/// <item>a block whose event has completed (<see cref="IStreamOrderedDevice{TBlock, TStream, TEvent}.HasCompleted"/>:
/// the old work is done; no dependency needed);</item>
/// <item>otherwise the oldest cached block of that size, after making the renting stream wait on its
/// event (<see cref="IStreamOrderedDevice{TBlock, TStream, TEvent}.MakeWait"/>, cuStreamWaitEvent: a
/// dependency on the device, the host never blocks).</item>
/// </list>
/// A cuStreamWaitEvent captures the event's state when it is issued, so the event is recycled for the
/// next return right after. Blocks are kept by exact size (at least <see cref="MinimumBlockBytes"/>),
/// because a training step asks for the same sizes every step, from every worker; under a budget
/// (<see cref="KeepWithin"/>) a block up to twice the size serves too, before the cache is given back.
///
/// <para><b>Releasing.</b> <see cref="ReleaseCached"/> (after an out-of-memory, or on request) and
/// <see cref="Dispose"/> wait on each cached block's event before freeing it, as PyTorch's caching
/// allocator does, so the driver never frees memory that queued work may still use.</para>
/// </summary>
internal sealed partial class StreamAwareBlockPool<TBlock, TStream, TEvent> : IDisposable
    where TBlock : class
    where TStream : class
    where TEvent : class
{
    /// <summary>cuMemAlloc rejects 0 bytes; tiny requests get one minimum-size block.</summary>
    public const long MinimumBlockBytes = 256;

    private readonly IStreamOrderedDevice<TBlock, TStream, TEvent> _device;
    private readonly Dictionary<long, List<CachedBlock>> _free = new();
    private readonly Dictionary<TBlock, long> _handedOut = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<TEvent> _spareEvents = new();
    private readonly object _gate = new();

    // Taken by DeviceUsedBytes and Dispose only, so the sampler never queries a device being torn
    // down, and the workers (who take _gate) never wait on the sampler.
    private readonly object _lifetime = new();
    private long _reserved;
    private long _reservedPeak;
    private long _limit = long.MaxValue;
    private long _deviceUsedPeak = -1;
    private long _deviceAllocations;
    private long _crossStreamWaits;
    private bool _disposed;

    public StreamAwareBlockPool(IStreamOrderedDevice<TBlock, TStream, TEvent> device)
    {
        _device = device;
    }

    /// <summary>Bytes allocated from the device and not freed: handed out or cached.</summary>
    public long ReservedBytes => Interlocked.Read(ref _reserved);

    /// <summary>High-water of <see cref="ReservedBytes"/> since creation or <see cref="ResetPeak"/>.</summary>
    public long ReservedPeakBytes => Interlocked.Read(ref _reservedPeak);

    /// <summary>Device allocations so far (a warm training step should add none).</summary>
    public long DeviceAllocations => Interlocked.Read(ref _deviceAllocations);

    /// <summary>Rents that had to make their stream wait on another stream's free event.</summary>
    public long CrossStreamWaits => Interlocked.Read(ref _crossStreamWaits);

    /// <summary>The largest <see cref="DeviceUsedBytes"/> sampled since creation or <see cref="ResetPeak"/>; null before the first sample.</summary>
    public long? DeviceUsedPeakBytes => Interlocked.Read(ref _deviceUsedPeak) is >= 0 and var peak ? peak : (long?)null;

    /// <summary>Bytes cached (not handed out), over every size.</summary>
    public long CachedBytes
    {
        get
        {
            lock (_gate)
            {
                return _free.Sum(pair => pair.Key * pair.Value.Count);
            }
        }
    }

    public static long BlockBytes(long requestedBytes) => Math.Max(requestedBytes, MinimumBlockBytes);

    /// <summary>The budget <see cref="KeepWithin"/> set; null when none.</summary>
    public long? Limit => Interlocked.Read(ref _limit) is var limit && limit == long.MaxValue ? null : limit;

    /// <summary>
    /// A rent that would take <see cref="ReservedBytes"/> past <paramref name="bytes"/> first takes a
    /// cached block up to twice the size, else gives every cached block back before allocating.
    /// </summary>
    public void KeepWithin(long? bytes)
    {
        if (bytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "A pool limit must be positive.");
        }

        Interlocked.Exchange(ref _limit, bytes ?? long.MaxValue);
    }

    /// <summary>Starts new high-waters: reserved at the current reserved bytes, device-used at "not sampled".</summary>
    public void ResetPeak()
    {
        Interlocked.Exchange(ref _reservedPeak, Interlocked.Read(ref _reserved));
        Interlocked.Exchange(ref _deviceUsedPeak, -1);
    }

    /// <summary>A block of at least <paramref name="bytes"/> that <paramref name="stream"/> may use for work queued after this call.</summary>
    public TBlock Rent(long bytes, TStream stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentNullException.ThrowIfNull(stream);
        long blockBytes = BlockBytes(bytes);
        CachedBlock? reused;
        bool mustWait;
        bool overLimit;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            (reused, mustWait) = TakeCached(blockBytes, stream);
            overLimit = reused is null && Interlocked.Read(ref _reserved) + blockBytes > Interlocked.Read(ref _limit);
            if (overLimit && LargerCachedSize(blockBytes) is { } larger)
            {
                (reused, mustWait) = TakeCached(larger, stream);
            }

            if (reused is { } taken)
            {
                _handedOut.Add(taken.Block, taken.Bytes);
            }
        }

        if (reused is { } cached)
        {
            if (mustWait)
            {
                MakeWaitOrPutBack(cached, stream);
                Interlocked.Increment(ref _crossStreamWaits);
            }

            RecycleEvent(cached.FreedAt);
            return cached.Block;
        }

        if (overLimit)
        {
            // Past the budget with nothing close enough in cache: give the cache back, as at a full device.
            ReleaseCached();
        }

        TBlock fresh = AllocateFresh(blockBytes);
        lock (_gate)
        {
            if (!_disposed)
            {
                _handedOut.Add(fresh, blockBytes);
                return fresh;
            }
        }

        FreeBlock(fresh, blockBytes);
        throw new ObjectDisposedException(GetType().Name);
    }

    /// <summary>
    /// Caches a block that <paramref name="stream"/> has finished queuing work on. Returns false (and
    /// does nothing) for a block the pool does not hand out any more: one freed by <see cref="Dispose"/>.
    /// </summary>
    public bool Return(TBlock block, TStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long blockBytes;
        TEvent? evt;
        lock (_gate)
        {
            if (_disposed || !_handedOut.Remove(block, out blockBytes))
            {
                return false;
            }

            _spareEvents.TryPop(out evt);
        }

        try
        {
            evt ??= _device.CreateEvent();
            _device.Record(evt, stream);
        }
        catch
        {
            // The stream is broken (a sticky CUDA error); nothing can order later work after it, so the
            // block leaves the pool instead of being handed to another stream.
            if (evt is not null)
            {
                _device.DestroyEvent(evt);
            }

            FreeBlock(block, blockBytes);
            throw;
        }

        lock (_gate)
        {
            if (!_disposed)
            {
                FreeList(blockBytes).Add(new CachedBlock(block, blockBytes, stream, evt));
                return true;
            }
        }

        // Dispose ran meanwhile and did not see this block: release it here.
        SynchronizeAndFree(new CachedBlock(block, blockBytes, stream, evt));
        return true;
    }

    /// <summary>
    /// cuMemGetInfo's total − free: what the whole device has in use (other processes, the context,
    /// library workspaces, every pool); also raises <see cref="DeviceUsedPeakBytes"/>. Null after <see cref="Dispose"/>.
    /// </summary>
    public long? DeviceUsedBytes()
    {
        lock (_lifetime)
        {
            if (Volatile.Read(ref _disposed))
            {
                return null;
            }

            (long free, long total) = _device.MemoryInfo();
            long used = total - free;
            HighWater.Raise(ref _deviceUsedPeak, used);
            return used;
        }
    }

    /// <summary>cuMemGetInfo's free bytes; null after <see cref="Dispose"/>.</summary>
    public long? DeviceFreeBytes()
    {
        lock (_lifetime)
        {
            return Volatile.Read(ref _disposed) ? null : _device.MemoryInfo().Free;
        }
    }

    /// <summary>Picks a cached block of <paramref name="blockBytes"/> by the cross-stream rule (see the class remarks); under <see cref="_gate"/>.</summary>
    private (CachedBlock? Block, bool MustWait) TakeCached(long blockBytes, TStream stream)
    {
        if (!_free.TryGetValue(blockBytes, out var list) || list.Count == 0)
        {
            return (null, false);
        }

        // Newest first: the block most recently freed by this stream is the likeliest to be in cache.
        for (int i = list.Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(list[i].FreedOn, stream))
            {
                return (RemoveAt(list, i), false);
            }
        }

        // Oldest first: the earliest frees are the likeliest to have completed. cuEventQuery never
        // blocks, so asking under the lock costs microseconds.
        for (int i = 0; i < list.Count; i++)
        {
            if (_device.HasCompleted(list[i].FreedAt))
            {
                return (RemoveAt(list, i), false);
            }
        }

        return (RemoveAt(list, 0), true);
    }

    /// <summary>The smallest cached size above <paramref name="blockBytes"/> and at most twice it; under <see cref="_gate"/>.</summary>
    private long? LargerCachedSize(long blockBytes)
    {
        long? best = null;
        foreach (var (size, list) in _free)
        {
            if (size > blockBytes && size <= 2 * blockBytes && list.Count > 0 && (best is null || size < best))
            {
                best = size;
            }
        }

        return best;
    }

    /// <summary>The free list of one block size, created on first use; under <see cref="_gate"/>.</summary>
    private List<CachedBlock> FreeList(long blockBytes)
    {
        if (!_free.TryGetValue(blockBytes, out var list))
        {
            list = [];
            _free[blockBytes] = list;
        }

        return list;
    }

    private static CachedBlock RemoveAt(List<CachedBlock> list, int index)
    {
        CachedBlock block = list[index];
        list.RemoveAt(index);
        return block;
    }

    private void MakeWaitOrPutBack(CachedBlock cached, TStream stream)
    {
        try
        {
            _device.MakeWait(stream, cached.FreedAt);
        }
        catch
        {
            lock (_gate)
            {
                if (!_disposed && _handedOut.Remove(cached.Block))
                {
                    // Back at the front, still waiting for its event: the cache is as before the rent.
                    FreeList(cached.Bytes).Insert(0, cached);
                    throw;
                }
            }

            // Dispose ran meanwhile and freed the block (it was handed out by then); only the event is left.
            _device.DestroyEvent(cached.FreedAt);
            throw;
        }
    }

    /// <summary>An event no stream will wait on again (a cuStreamWaitEvent already captured it) goes back for the next return.</summary>
    private void RecycleEvent(TEvent evt)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _spareEvents.Push(evt);
                return;
            }
        }

        _device.DestroyEvent(evt);
    }

    private TBlock AllocateFresh(long blockBytes)
    {
        TBlock block;
        try
        {
            block = _device.Allocate(blockBytes);
        }
        catch (Exception e) when (_device.IsOutOfMemory(e))
        {
            // Like PyTorch's allocator: give the cached blocks back to the driver and retry once.
            ReleaseCached();
            block = _device.Allocate(blockBytes);
        }

        Interlocked.Increment(ref _deviceAllocations);
        HighWater.Raise(ref _reservedPeak, Interlocked.Add(ref _reserved, blockBytes));
        return block;
    }

    /// <summary>A cached block, the stream that freed it, and the event recorded on that stream at the free.</summary>
    private readonly record struct CachedBlock(TBlock Block, long Bytes, TStream FreedOn, TEvent FreedAt);
}
