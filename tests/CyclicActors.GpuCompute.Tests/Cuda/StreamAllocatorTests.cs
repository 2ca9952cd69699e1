using System.Collections.Concurrent;
using Xunit;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Tests.Cuda;

/// <summary>Several backends' allocators (one stream and ledger each) on one shared pool, on a fake device.</summary>
public sealed class StreamAllocatorTests
{
    private static StreamAwareBlockPool<FakeBlock, FakeStream, FakeEvent> Pool(FakeStreamDevice device) => new(device);

    private static StreamAllocator<FakeBlock, FakeStream, FakeEvent> Attach(
        StreamAwareBlockPool<FakeBlock, FakeStream, FakeEvent> pool, string stream, MemoryLedger? parent = null) =>
        new(pool, new FakeStream(stream), new MemoryLedger(parent));

    [Fact]
    public void Each_ledger_counts_requested_bytes_per_tag_while_the_pool_counts_blocks()
    {
        var device = new FakeStreamDevice();
        var pool = Pool(device);
        var first = Attach(pool, "A");
        var second = Attach(pool, "B");
        FakeBlock a = first.Rent(4000, MemoryTag.Activations);
        first.Return(a, 4000, MemoryTag.Activations);
        FakeBlock b = second.Rent(4000, MemoryTag.Gradients);
        FakeBlock tiny = second.Rent(12, MemoryTag.Parameters);

        Assert.Same(a, b);
        Assert.Equal(0, first.Ledger.TotalLiveBytes);
        Assert.Equal(4000, first.Ledger.PeakBytes(MemoryTag.Activations));
        Assert.Equal(4000, second.Ledger.LiveBytes(MemoryTag.Gradients));
        Assert.Equal(12, second.Ledger.LiveBytes(MemoryTag.Parameters));
        Assert.Equal(4000 + 256, pool.ReservedBytes);
        Assert.Equal(2, device.Mallocs);
        Assert.Single(device.Waits);
    }

    [Fact]
    public void A_parent_ledger_sees_the_total_of_several_allocators()
    {
        var parent = new MemoryLedger();
        var pool = Pool(new FakeStreamDevice());
        var first = Attach(pool, "A", parent);
        var second = Attach(pool, "B", parent);
        first.Rent(300, MemoryTag.Activations);
        FakeBlock b = second.Rent(500, MemoryTag.Activations);
        second.Return(b, 500, MemoryTag.Activations);

        Assert.Equal(300, parent.LiveBytes(MemoryTag.Activations));
        Assert.Equal(800, parent.PeakBytes(MemoryTag.Activations));
    }

    [Fact]
    public void Disposing_an_allocator_gives_its_blocks_to_the_pool_and_a_stale_return_only_updates_the_ledger()
    {
        var device = new FakeStreamDevice();
        var pool = Pool(device);
        var stopped = Attach(pool, "A");
        var running = Attach(pool, "B");
        FakeBlock held = stopped.Rent(1000, MemoryTag.Parameters);
        stopped.Rent(2000, MemoryTag.Activations);

        stopped.Dispose();
        Assert.Equal(3000, pool.CachedBytes);
        Assert.Throws<ObjectDisposedException>(() => stopped.Rent(10, MemoryTag.Data));

        FakeBlock taken = running.Rent(1000, MemoryTag.Activations);
        Assert.Same(held, taken);
        Assert.Equal(stopped.Stream, Assert.Single(device.Waits).RecordedOn);

        stopped.Return(held, 1000, MemoryTag.Parameters); // the old owner's buffer, disposed late
        Assert.Equal(0, stopped.Ledger.LiveBytes(MemoryTag.Parameters));
        Assert.Equal(2000, stopped.Ledger.LiveBytes(MemoryTag.Activations)); // counted until its buffer is disposed too
        Assert.Equal(2000, pool.CachedBytes);             // not handed back on the stale return
        Assert.Equal(1000, running.Ledger.LiveBytes(MemoryTag.Activations));
        Assert.Equal(3000, pool.ReservedBytes);
        Assert.Equal(2, device.Mallocs);
    }

    [Fact]
    public void Concurrent_rent_and_return_from_four_threads_keeps_the_counts_exact()
    {
        const int Threads = 4;
        const int Iterations = 5000;
        long[] sizes = [256, 1024, 4096, 10_000];
        var device = new FakeStreamDevice { CompleteOnRecord = 0.5 };
        var pool = Pool(device);
        var parent = new MemoryLedger();
        var allocators = Enumerable.Range(0, Threads).Select(i => Attach(pool, $"S{i}", parent)).ToArray();
        var owners = new ConcurrentDictionary<FakeBlock, int>(ReferenceEqualityComparer.Instance);
        int doubleHandOuts = 0;
        int returns = 0;
        using var start = new Barrier(Threads);

        void Work(int index)
        {
            var allocator = allocators[index];
            var random = new Random(index);
            var held = new List<(FakeBlock Block, long Bytes)>();
            start.SignalAndWait();
            for (int i = 0; i < Iterations; i++)
            {
                if (held.Count < 3 && (held.Count == 0 || random.Next(2) == 0))
                {
                    long bytes = sizes[random.Next(sizes.Length)];
                    FakeBlock block = allocator.Rent(bytes, MemoryTag.Activations);
                    if (!owners.TryAdd(block, index))
                    {
                        Interlocked.Increment(ref doubleHandOuts);
                    }

                    held.Add((block, bytes));
                }
                else
                {
                    int pick = random.Next(held.Count);
                    (FakeBlock block, long bytes) = held[pick];
                    held.RemoveAt(pick);
                    owners.TryRemove(block, out _);
                    allocator.Return(block, bytes, MemoryTag.Activations);
                    Interlocked.Increment(ref returns);
                }
            }

            foreach ((FakeBlock block, long bytes) in held)
            {
                owners.TryRemove(block, out _);
                allocator.Return(block, bytes, MemoryTag.Activations);
                Interlocked.Increment(ref returns);
            }
        }

        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() => Work(i))).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        int waitsOnOwnStream = device.Waits.Count(w => ReferenceEquals(w.Stream, w.RecordedOn));

        Assert.Equal(0, doubleHandOuts);
        Assert.Equal(0, waitsOnOwnStream);
        Assert.All(allocators, a => Assert.Equal(0, a.Ledger.TotalLiveBytes));
        Assert.Equal(0, parent.TotalLiveBytes);
        Assert.Equal(device.Live, pool.ReservedBytes);
        Assert.Equal(pool.ReservedBytes, pool.CachedBytes);
        Assert.Equal(device.Blocks.Sum(b => b.Bytes), pool.ReservedBytes); // nothing was freed
        Assert.Equal(device.Mallocs, pool.DeviceAllocations);
        Assert.Equal(device.Waits.Count, pool.CrossStreamWaits);
        // A size is allocated afresh only when every block of it is held: at most 3 per thread per size.
        Assert.InRange(pool.ReservedPeakBytes, pool.ReservedBytes, Threads * 3 * sizes.Sum());
        Assert.Equal(returns, device.RecordedEvents);                     // one free event per return
        Assert.True(device.Waits.Count > 0, "four streams sharing sizes must have waited on each other at least once");

        pool.Dispose();
        Assert.Equal(0, device.Live);
        Assert.Equal(0, device.LiveEvents);
    }
}
