using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Caching pool behind the CPU backend's allocations: arrays are kept per exact length and handed
/// out again, because a training step asks for the same sizes every step and first-touching fresh
/// pages costs more than the arithmetic on small machines. The ledger counts handed-out bytes;
/// <see cref="ReservedBytes"/> counts what the pool holds in total.
/// </summary>
internal sealed class CpuBufferPool
{
    private readonly Dictionary<long, Stack<float[]>> _free = new();
    private readonly MemoryLedger _ledger;
    private readonly object _gate = new();
    private long _reserved;

    public CpuBufferPool(MemoryLedger ledger) => _ledger = ledger;

    public long ReservedBytes => Interlocked.Read(ref _reserved);

    public CpuBuffer Rent(long length, MemoryTag tag)
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
            Interlocked.Add(ref _reserved, length * sizeof(float));
        }

        _ledger.OnAllocated(tag, length * sizeof(float));
        return new CpuBuffer(this, storage, length, tag);
    }

    public void Return(CpuBuffer buffer)
    {
        _ledger.OnReleased(buffer.Tag, buffer.Bytes);
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

    /// <summary>Drops every cached array (used when a backend is disposed).</summary>
    public void Clear()
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
