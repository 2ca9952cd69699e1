using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class CpuMemoryPoolTests
{
    [Fact]
    public void A_block_freed_by_worker_A_is_handed_to_worker_B_without_reserving_more()
    {
        var pool = new CpuMemoryPool();
        var process = new MemoryLedger();
        using var workerA = new CpuBackend(new MemoryLedger(process), pool);
        using var workerB = new CpuBackend(new MemoryLedger(process), pool);
        float[] written = [1f, 2f, 3f, 4f, 5f, 6f];

        var fromA = workerA.Allocate(written.Length, MemoryTag.Activations);
        workerA.Upload(written, fromA);
        Assert.Equal(written.Length * sizeof(float), pool.ReservedBytes);
        fromA.Dispose();
        Assert.Equal(0, workerA.Ledger.LiveBytes(MemoryTag.Activations));

        using var fromB = workerB.Allocate(written.Length, MemoryTag.Activations);
        var seen = new float[written.Length];
        workerB.Download(fromB, seen);

        // The same array (a fresh one would not hold A's values), no new reservation, and B's ledger counts it.
        Assert.Equal(written, seen);
        Assert.Equal(written.Length * sizeof(float), pool.ReservedBytes);
        Assert.Equal(written.Length * sizeof(float), pool.ReservedPeakBytes);
        Assert.Equal(written.Length * sizeof(float), workerB.Ledger.LiveBytes(MemoryTag.Activations));
        Assert.Equal(written.Length * sizeof(float), process.PeakBytes(MemoryTag.Activations));
    }

    [Fact]
    public void Reserved_bytes_grow_only_for_sizes_the_pool_does_not_hold_and_the_high_water_resets_to_what_is_held()
    {
        var pool = new CpuMemoryPool();
        using var backend = new CpuBackend(new MemoryLedger(), pool);
        var a = backend.Allocate(10, MemoryTag.Workspace);
        var b = backend.Allocate(10, MemoryTag.Workspace);
        a.Dispose();
        b.Dispose();
        Assert.Equal(80, pool.ReservedPeakBytes);
        using var c = backend.Allocate(20, MemoryTag.Workspace); // another size: the cached 10s do not serve it
        Assert.Equal(160, pool.ReservedBytes);
        pool.Trim();
        Assert.Equal(80, pool.ReservedBytes); // the handed-out 20 stays
        pool.ResetPeak();
        Assert.Equal(80, pool.ReservedPeakBytes);
        Assert.Null(pool.DeviceUsedBytes());
        Assert.Null(pool.DeviceFreeBytes());
    }
}
