using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>A host array handed out by a <see cref="CpuMemoryPool"/>; only the CPU backend sees the array.</summary>
internal sealed class CpuBuffer : DeviceBuffer
{
    private readonly CpuMemoryPool _pool;

    internal CpuBuffer(CpuMemoryPool pool, MemoryLedger ledger, float[] storage, long length, MemoryTag tag)
        : base(length, tag)
    {
        _pool = pool;
        Ledger = ledger;
        Storage = storage;
    }

    internal float[] Storage { get; }

    /// <summary>The ledger of the backend that rented it (it is counted there until returned).</summary>
    internal MemoryLedger Ledger { get; }

    protected override void Release() => _pool.Return(this);
}
