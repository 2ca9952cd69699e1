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
        // Size by size, the most arrays of it out at once: two 10s, though each rent after that reuses one.
        backend.Allocate(10, MemoryTag.Workspace).Dispose();
        Assert.Equal(new Dictionary<long, int> { [40] = 2 }, pool.ReservedBySize());
        using var c = backend.Allocate(20, MemoryTag.Workspace); // another size: the cached 10s do not serve it
        Assert.Equal(160, pool.ReservedBytes);
        pool.Trim();
        Assert.Equal(80, pool.ReservedBytes); // the handed-out 20 stays
        pool.ResetPeak();
        Assert.Equal(80, pool.ReservedPeakBytes);
        Assert.Equal(new Dictionary<long, int> { [80] = 1 }, pool.ReservedBySize());
        Assert.Null(pool.DeviceUsedBytes());
        Assert.Null(pool.DeviceFreeBytes());
    }

    [Fact]
    public void Under_a_limit_a_rent_reuses_a_cached_array_up_to_twice_as_long_and_sees_only_its_own_length()
    {
        var pool = new CpuMemoryPool();
        using var backend = new CpuBackend(new MemoryLedger(), pool);
        backend.Allocate(12, MemoryTag.Activations).Dispose();
        pool.KeepWithin(12 * sizeof(float) + 10 * sizeof(float) - 1); // room for 12, not for 12 and a fresh 10

        using var smaller = backend.Allocate(10, MemoryTag.Workspace);
        var seen = new float[10];
        backend.Upload([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f], smaller);
        backend.Download(smaller, seen);

        Assert.Equal(12 * sizeof(float), pool.ReservedBytes); // the cached 12 serves the 10
        Assert.Equal(10f, seen[^1]);
        Assert.Equal(10 * sizeof(float), backend.Ledger.LiveBytes(MemoryTag.Workspace)); // counted at the size asked for
        smaller.Dispose();
        using var again = backend.Allocate(12, MemoryTag.Activations);
        Assert.Equal(12 * sizeof(float), pool.ReservedBytes); // it went back to the 12s
    }

    [Fact]
    public void Under_a_limit_cached_arrays_that_cannot_serve_are_dropped_before_a_fresh_one_passes_it()
    {
        var pool = new CpuMemoryPool();
        using var backend = new CpuBackend(new MemoryLedger(), pool);
        var small = Enumerable.Range(0, 4).Select(_ => backend.Allocate(10, MemoryTag.Workspace)).ToList();
        var tooLong = backend.Allocate(100, MemoryTag.Workspace); // more than twice 30: kept out of a 30's way
        small.ForEach(buffer => buffer.Dispose());
        tooLong.Dispose();
        Assert.Equal(140 * sizeof(float), pool.ReservedBytes);
        pool.KeepWithin(150 * sizeof(float));

        using var thirty = backend.Allocate(30, MemoryTag.Activations);

        Assert.Equal(150 * sizeof(float), pool.ReservedBytes); // two 10s dropped, the 100 and two 10s kept
        Assert.Equal(150 * sizeof(float), pool.ReservedPeakBytes);
        Assert.Equal(new Dictionary<long, int> { [40] = 2, [120] = 1, [400] = 1 }, pool.ReservedBySize());
        Assert.Equal(150 * sizeof(float), pool.Limit);
    }

    [Fact]
    public void A_limit_never_takes_live_arrays_so_a_run_that_needs_more_goes_past_it_and_shows_it()
    {
        var pool = new CpuMemoryPool();
        pool.KeepWithin(100);
        using var backend = new CpuBackend(new MemoryLedger(), pool);
        using var a = backend.Allocate(20, MemoryTag.Activations);
        using var b = backend.Allocate(20, MemoryTag.Activations);

        Assert.Equal(160, pool.ReservedBytes);
        Assert.Equal(160, pool.ReservedPeakBytes);
        pool.KeepWithin(null);
        Assert.Null(pool.Limit);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.KeepWithin(0));
    }

    [Fact]
    public void Concurrent_rents_count_each_other_against_the_limit()
    {
        var pool = new CpuMemoryPool();
        using var backend = new CpuBackend(new MemoryLedger(), pool);
        const int Workers = 8;
        const int Length = 1000;
        var warm = Enumerable.Range(0, Workers).Select(length => backend.Allocate(Length + length, MemoryTag.Workspace)).ToList();
        warm.ForEach(buffer => buffer.Dispose()); // eight sizes cached, none of them the size asked for below
        long cached = pool.ReservedBytes;
        pool.KeepWithin(cached);

        using var start = new Barrier(Workers);
        var rented = new DeviceBuffer[Workers];
        Parallel.For(0, Workers, new ParallelOptions { MaxDegreeOfParallelism = Workers }, worker =>
        {
            start.SignalAndWait();
            rented[worker] = backend.Allocate(3 * Length, MemoryTag.Workspace);
        });

        // Each fresh 3000 needs three cached arrays dropped; racing rents must not all see the same room.
        Assert.Equal(Workers * 3 * Length * sizeof(float), pool.ReservedPeakBytes);
        foreach (var buffer in rented)
        {
            buffer.Dispose();
        }
    }
}
