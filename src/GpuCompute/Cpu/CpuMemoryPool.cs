using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// The CPU's one memory pool per process, shared by every <see cref="CpuBackend"/> given it: arrays
/// are kept per exact length and handed out again to whichever backend asks next, because a
/// training step asks for the same sizes every step (from every worker) and first-touching fresh
/// pages costs more than the arithmetic on small machines. Each buffer is counted in the ledger of
/// the backend that rented it; <see cref="ReservedBytes"/> counts what the pool holds in all.
/// Thread-safe (workers rent and return from their own threads).
/// </summary>
public sealed class CpuMemoryPool : IDevicePool
{
    private readonly Dictionary<long, Stack<float[]>> _free = new();
    private readonly object _gate = new();
    private long _reserved;
    private long _reservedPeak;

    public string Device => "cpu";

    public long ReservedBytes => Interlocked.Read(ref _reserved);

    public long ReservedPeakBytes => Interlocked.Read(ref _reservedPeak);

    public void ResetPeak() => Interlocked.Exchange(ref _reservedPeak, Interlocked.Read(ref _reserved));

    /// <summary>Null: the process's share of host memory is not a device-wide figure we can sample cheaply.</summary>
    public long? DeviceUsedBytes() => null;

    public long? DeviceFreeBytes() => null;

    internal CpuBuffer Rent(long length, MemoryTag tag, MemoryLedger ledger)
    {
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"A CPU buffer of {length} floats exceeds the largest array.");
        }

        float[]? storage = null;
        lock (_gate)
        {
            if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                storage = stack.Pop();
            }
        }

        if (storage is null)
        {
            storage = GC.AllocateUninitializedArray<float>((int)length);
            HighWater.Raise(ref _reservedPeak, Interlocked.Add(ref _reserved, length * sizeof(float)));
        }

        ledger.OnAllocated(tag, length * sizeof(float));
        return new CpuBuffer(this, ledger, storage, length, tag);
    }

    internal void Return(CpuBuffer buffer)
    {
        buffer.Ledger.OnReleased(buffer.Tag, buffer.Bytes);
        lock (_gate)
        {
            if (!_free.TryGetValue(buffer.Length, out var stack))
            {
                stack = new Stack<float[]>();
                _free[buffer.Length] = stack;
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
                    Interlocked.Add(ref _reserved, -(long)array.Length * sizeof(float));
                }
            }

            _free.Clear();
        }
    }
}
