using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>A host array handed out by <see cref="CpuBufferPool"/>; only the CPU backend sees the array.</summary>
internal sealed class CpuBuffer : DeviceBuffer
{
    private readonly CpuBufferPool _pool;

    internal CpuBuffer(CpuBufferPool pool, float[] storage, long length, MemoryTag tag)
        : base(length, tag)
    {
        _pool = pool;
        Storage = storage;
    }

    internal float[] Storage { get; }

    protected override void Release() => _pool.Return(this);
}
