using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// The CPU's one memory pool per process, shared by every <see cref="CpuBackend"/> given it: arrays
/// are kept per exact length and handed out again to whichever backend asks next, because a
/// training step asks for the same sizes every step (from every worker) and first-touching fresh
/// pages costs more than the arithmetic on small machines. Each buffer is counted in the ledger of
/// the backend that rented it; <see cref="ReservedBytes"/> counts what the pool holds in all.
/// Under a limit (<see cref="KeepWithin"/>, what <c>--memory-budget</c> sets) a rent that would take
/// the pool past it first takes a somewhat larger cached array, then drops cached arrays, as a GPU
/// allocator gives its cache back at a full device (dropped arrays go back to the .NET GC). Thread-safe
/// (workers rent and return from their own threads).
/// </summary>
public sealed class CpuMemoryPool : IDevicePool
{
    private readonly SortedDictionary<long, Stack<float[]>> _free = new();
    private readonly SortedDictionary<long, int> _heldByLength = new();
    private readonly object _gate = new();
    private long _reserved;
    private long _reservedPeak;
    private long _limit = long.MaxValue;

    public string Device => "cpu";

    public long ReservedBytes => Interlocked.Read(ref _reserved);

    public long ReservedPeakBytes => Interlocked.Read(ref _reservedPeak);

    /// <summary>
    /// The arrays the pool holds now (cached or handed out), counted by size in bytes. Without a limit the
    /// pool only grows, so after a run this is, per size, the most arrays of it that were out at once:
    /// what a plan's pool model predicts size by size (bench/plan/replay_pool.py compares them).
    /// </summary>
    public IReadOnlyDictionary<long, int> ReservedBySize()
    {
        lock (_gate)
        {
            return _heldByLength.Where(pair => pair.Value > 0).ToDictionary(pair => pair.Key * sizeof(float), pair => pair.Value);
        }
    }

    public void ResetPeak() => Interlocked.Exchange(ref _reservedPeak, Interlocked.Read(ref _reserved));

    /// <summary>Null: the process's share of host memory is not a device-wide figure we can sample cheaply.</summary>
    public long? DeviceUsedBytes() => null;

    public long? DeviceFreeBytes() => null;

    public long? Limit => Interlocked.Read(ref _limit) is var limit && limit == long.MaxValue ? null : limit;

    public void KeepWithin(long? bytes)
    {
        if (bytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "A pool limit must be positive.");
        }

        Interlocked.Exchange(ref _limit, bytes ?? long.MaxValue);
    }

    internal CpuBuffer Rent(long length, MemoryTag tag, MemoryLedger ledger)
    {
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"A CPU buffer of {length} floats exceeds the largest array.");
        }

        float[]? storage;
        lock (_gate)
        {
            storage = TakeCached(length);
            if (storage is null)
            {
                // Counted before the allocation, under the gate, so concurrent rents see each other against the limit.
                HighWater.Raise(ref _reservedPeak, Interlocked.Add(ref _reserved, length * sizeof(float)));
                _heldByLength[length] = _heldByLength.GetValueOrDefault(length) + 1;
            }
        }

        storage ??= GC.AllocateUninitializedArray<float>((int)length);

        ledger.OnAllocated(tag, length * sizeof(float));
        return new CpuBuffer(this, ledger, storage, length, tag);
    }

    internal void Return(CpuBuffer buffer)
    {
        buffer.Ledger.OnReleased(buffer.Tag, buffer.Bytes);
        lock (_gate)
        {
            if (!_free.TryGetValue(buffer.Storage.Length, out var stack))
            {
                stack = new Stack<float[]>();
                _free[buffer.Storage.Length] = stack;
            }

            stack.Push(buffer.Storage);
        }
    }

    /// <summary>Drops every cached array (handed-out ones stay counted until they come back and are dropped by a later trim).</summary>
    public void Trim()
    {
        lock (_gate)
        {
            foreach (var stack in _free.Values)
            {
                foreach (var array in stack)
                {
                    Dropped(array);
                }
            }

            _free.Clear();
        }
    }

    /// <summary>
    /// A cached array for <paramref name="length"/> floats: one of that length; under the limit's
    /// pressure, the smallest longer one up to twice as long (a tiny request does not pin a large
    /// block), or none after dropping cached arrays (smallest first) until a fresh array fits. Under <see cref="_gate"/>.
    /// </summary>
    private float[]? TakeCached(long length)
    {
        if (_free.TryGetValue(length, out var exact) && exact.Count > 0)
        {
            return exact.Pop();
        }

        long limit = Interlocked.Read(ref _limit);
        long bytes = length * sizeof(float);
        if (Interlocked.Read(ref _reserved) + bytes <= limit)
        {
            return null;
        }

        foreach (var (cachedLength, stack) in _free)
        {
            if (cachedLength > length && cachedLength <= 2 * length && stack.Count > 0)
            {
                return stack.Pop();
            }
        }

        foreach (var stack in _free.Values)
        {
            while (stack.Count > 0 && Interlocked.Read(ref _reserved) + bytes > limit)
            {
                Dropped(stack.Pop());
            }
        }

        return null;
    }

    /// <summary>Under <see cref="_gate"/>: a cached array the pool lets go of (to the .NET GC).</summary>
    private void Dropped(float[] array)
    {
        Interlocked.Add(ref _reserved, -(long)array.Length * sizeof(float));
        _heldByLength[array.Length] -= 1;
    }
}
