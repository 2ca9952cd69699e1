using Xunit;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Tests.Cuda;

public sealed class CachingAllocatorTests
{
    private sealed class FakeBlock(long bytes, FakeDevice device) : IDisposable
    {
        public long Bytes { get; } = bytes;

        public bool Freed { get; private set; }

        public void Dispose()
        {
            Assert.False(Freed, "block freed twice");
            Freed = true;
            device.Live -= Bytes;
        }
    }

    /// <summary>A device with a capacity, like cuMemAlloc: throws when full.</summary>
    private sealed class FakeDevice(long capacity)
    {
        public long Live { get; set; }

        public int Mallocs { get; private set; }

        public List<FakeBlock> Blocks { get; } = [];

        public FakeBlock Malloc(long bytes)
        {
            if (Live + bytes > capacity)
            {
                throw new OutOfMemoryException("fake device full");
            }

            Mallocs++;
            Live += bytes;
            var block = new FakeBlock(bytes, this);
            Blocks.Add(block);
            return block;
        }
    }

    private static (CachingAllocator<FakeBlock> Allocator, FakeDevice Device, MemoryLedger Ledger) Create(long capacity = 1 << 30)
    {
        var device = new FakeDevice(capacity);
        var ledger = new MemoryLedger();
        return (new CachingAllocator<FakeBlock>(device.Malloc, e => e is OutOfMemoryException, ledger), device, ledger);
    }

    [Fact]
    public void Exact_sizes_are_reused_without_a_new_device_allocation()
    {
        var (allocator, device, ledger) = Create();
        FakeBlock a = allocator.Rent(4000, MemoryTag.Activations);
        allocator.Return(a, 4000, MemoryTag.Activations);
        FakeBlock b = allocator.Rent(4000, MemoryTag.Gradients);
        FakeBlock c = allocator.Rent(4004, MemoryTag.Gradients);

        Assert.Same(a, b);
        Assert.NotSame(a, c);
        Assert.Equal(2, device.Mallocs);
        Assert.Equal(2, allocator.DeviceAllocations);
        Assert.Equal(8004, allocator.ReservedBytes);
        Assert.Equal(0, ledger.LiveBytes(MemoryTag.Activations));
        Assert.Equal(4000, ledger.PeakBytes(MemoryTag.Activations));
        Assert.Equal(8004, ledger.LiveBytes(MemoryTag.Gradients));
    }

    [Fact]
    public void Ledger_counts_requested_bytes_per_tag_while_tiny_blocks_get_the_minimum_size()
    {
        var (allocator, device, ledger) = Create();
        FakeBlock tiny = allocator.Rent(0, MemoryTag.Workspace);
        FakeBlock small = allocator.Rent(12, MemoryTag.Parameters);

        Assert.Equal(CachingAllocator<FakeBlock>.MinimumBlockBytes, tiny.Bytes);
        Assert.Equal(CachingAllocator<FakeBlock>.MinimumBlockBytes, small.Bytes);
        Assert.Equal(12, ledger.TotalLiveBytes);
        Assert.Equal(2 * CachingAllocator<FakeBlock>.MinimumBlockBytes, allocator.ReservedBytes);

        allocator.Return(small, 12, MemoryTag.Parameters);
        allocator.Return(tiny, 0, MemoryTag.Workspace);
        Assert.Equal(0, ledger.TotalLiveBytes);
        Assert.Equal(2, device.Mallocs);
    }

    [Fact]
    public void Out_of_memory_releases_cached_blocks_and_retries_once()
    {
        var (allocator, device, _) = Create(capacity: 10_000);
        FakeBlock cached = allocator.Rent(6000, MemoryTag.Activations);
        allocator.Return(cached, 6000, MemoryTag.Activations);

        FakeBlock other = allocator.Rent(7000, MemoryTag.Activations); // does not fit next to the cached 6000

        Assert.True(cached.Freed);
        Assert.False(other.Freed);
        Assert.Equal(7000, allocator.ReservedBytes);
        Assert.Equal(7000, allocator.PeakReservedBytes); // the cached 6000 was freed before the retry
        Assert.Throws<OutOfMemoryException>(() => allocator.Rent(5000, MemoryTag.Activations));
    }

    [Fact]
    public void Dispose_frees_every_block_and_later_returns_only_update_the_ledger()
    {
        var (allocator, device, ledger) = Create();
        FakeBlock held = allocator.Rent(1000, MemoryTag.Parameters);
        FakeBlock cached = allocator.Rent(2000, MemoryTag.Activations);
        allocator.Return(cached, 2000, MemoryTag.Activations);

        allocator.Dispose();

        Assert.All(device.Blocks, b => Assert.True(b.Freed));
        Assert.Equal(0, device.Live);
        Assert.Equal(0, allocator.ReservedBytes);
        allocator.Return(held, 1000, MemoryTag.Parameters);
        Assert.Equal(0, ledger.TotalLiveBytes);
        Assert.Throws<ObjectDisposedException>(() => allocator.Rent(10, MemoryTag.Data));
        allocator.Dispose(); // idempotent
    }

    [Fact]
    public void A_parent_ledger_sees_the_total_of_several_allocators()
    {
        var parent = new MemoryLedger();
        var device = new FakeDevice(1 << 20);
        var first = new CachingAllocator<FakeBlock>(device.Malloc, _ => false, new MemoryLedger(parent));
        var second = new CachingAllocator<FakeBlock>(device.Malloc, _ => false, new MemoryLedger(parent));
        first.Rent(300, MemoryTag.Activations);
        FakeBlock b = second.Rent(500, MemoryTag.Activations);
        second.Return(b, 500, MemoryTag.Activations);

        Assert.Equal(300, parent.LiveBytes(MemoryTag.Activations));
        Assert.Equal(800, parent.PeakBytes(MemoryTag.Activations));
    }
}
