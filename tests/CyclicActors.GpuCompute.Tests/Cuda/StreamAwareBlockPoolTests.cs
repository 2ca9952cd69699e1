using Xunit;
using CyclicActors.GpuCompute.Cuda;

namespace CyclicActors.GpuCompute.Tests.Cuda;

/// <summary>The shared device pool's cross-stream rule, accounting and out-of-memory path, on a fake device.</summary>
public sealed class StreamAwareBlockPoolTests
{
    private readonly FakeStream _a = new("A");
    private readonly FakeStream _b = new("B");
    private readonly FakeStream _c = new("C");

    private static (StreamAwareBlockPool<FakeBlock, FakeStream, FakeEvent> Pool, FakeStreamDevice Device) Create(long capacity = 1L << 40)
    {
        var device = new FakeStreamDevice(capacity);
        return (new StreamAwareBlockPool<FakeBlock, FakeStream, FakeEvent>(device), device);
    }

    [Fact]
    public void A_block_freed_by_stream_A_serves_stream_B_after_B_waits_on_the_event_recorded_at_the_free()
    {
        var (pool, device) = Create();
        FakeBlock block = pool.Rent(4000, _a);
        pool.Return(block, _a);
        FakeEvent freedAt = device.LastRecorded!;
        Assert.Same(_a, freedAt.RecordedOn);
        Assert.False(freedAt.Completed);

        FakeBlock reused = pool.Rent(4000, _b);

        Assert.Same(block, reused);
        var wait = Assert.Single(device.Waits);
        Assert.Same(_b, wait.Stream);
        Assert.Same(freedAt, wait.Event);
        Assert.Same(_a, wait.RecordedOn);
        Assert.Equal(1, device.Mallocs);
        Assert.Equal(1, pool.CrossStreamWaits);
        Assert.Equal(4000, pool.ReservedBytes);
    }

    [Fact]
    public void The_same_stream_reuses_its_own_freed_block_without_a_wait()
    {
        var (pool, device) = Create();
        FakeBlock block = pool.Rent(4000, _a);
        pool.Return(block, _a);

        FakeBlock reused = pool.Rent(4000, _a);

        Assert.Same(block, reused);
        Assert.Empty(device.Waits);
        Assert.Equal(0, pool.CrossStreamWaits);
        Assert.Equal(1, device.Mallocs);
    }

    [Fact]
    public void A_block_whose_free_event_has_completed_serves_another_stream_without_a_wait()
    {
        var (pool, device) = Create();
        FakeBlock block = pool.Rent(4000, _a);
        pool.Return(block, _a);
        device.LastRecorded!.Completed = true;

        FakeBlock reused = pool.Rent(4000, _b);

        Assert.Same(block, reused);
        Assert.Empty(device.Waits);
        Assert.Equal(0, pool.CrossStreamWaits);
    }

    [Fact]
    public void A_rent_prefers_its_own_stream_then_a_completed_free_then_waits_on_the_oldest_pending_one()
    {
        var (pool, device) = Create();
        FakeBlock fromA = pool.Rent(1000, _a);
        FakeBlock fromC = pool.Rent(1000, _c);
        FakeBlock fromB = pool.Rent(1000, _b);
        FakeBlock fromA2 = pool.Rent(1000, _a);
        pool.Return(fromA, _a);
        FakeEvent aEvent = device.LastRecorded!;
        pool.Return(fromC, _c);
        FakeEvent cEvent = device.LastRecorded!;
        pool.Return(fromB, _b);
        pool.Return(fromA2, _a);
        FakeEvent a2Event = device.LastRecorded!;
        cEvent.Completed = true;

        Assert.Same(fromB, pool.Rent(1000, _b));   // its own free, though it is not the oldest
        Assert.Same(fromC, pool.Rent(1000, _b));   // C's free has completed: no wait either
        Assert.Empty(device.Waits);
        Assert.Same(fromA, pool.Rent(1000, _b));   // only A's pending frees left: the oldest, after a wait
        Assert.Same(fromA2, pool.Rent(1000, _b));

        Assert.Equal([(_b, aEvent, _a), (_b, a2Event, _a)], device.Waits);
        Assert.Equal(2, pool.CrossStreamWaits);
        Assert.Equal(4, device.Mallocs);
    }

    [Fact]
    public void Blocks_are_reused_by_exact_size_and_tiny_requests_get_the_minimum_block()
    {
        var (pool, device) = Create();
        FakeBlock a = pool.Rent(4000, _a);
        pool.Return(a, _a);
        FakeBlock b = pool.Rent(4004, _a);
        FakeBlock tiny = pool.Rent(0, _a);
        FakeBlock small = pool.Rent(12, _a);

        Assert.NotSame(a, b);
        Assert.Equal(StreamAwareBlockPool<FakeBlock, FakeStream, FakeEvent>.MinimumBlockBytes, tiny.Bytes);
        Assert.Equal(256, small.Bytes);
        Assert.Equal(4, device.Mallocs);
        Assert.Equal(4000 + 4004 + 256 + 256, pool.ReservedBytes);
        Assert.Equal(4000, pool.CachedBytes);
    }

    [Fact]
    public void Reserved_bytes_and_their_high_water_are_exact_under_a_scripted_sequence()
    {
        var (pool, device) = Create();
        FakeBlock x = pool.Rent(1000, _a);
        FakeBlock y = pool.Rent(3000, _b);
        Assert.Equal((4000, 4000), (pool.ReservedBytes, pool.ReservedPeakBytes));

        pool.Return(x, _a);
        FakeBlock x2 = pool.Rent(1000, _b);            // A's block, after a wait: nothing new
        Assert.Same(x, x2);
        Assert.Equal((4000, 4000), (pool.ReservedBytes, pool.ReservedPeakBytes));

        FakeBlock z = pool.Rent(100, _a);              // a 256-byte minimum block
        Assert.Equal((4256, 4256), (pool.ReservedBytes, pool.ReservedPeakBytes));

        pool.Return(x2, _b);
        pool.Return(y, _b);
        pool.Return(z, _a);
        Assert.Equal((4256, 4256, 4256L), (pool.ReservedBytes, pool.ReservedPeakBytes, pool.CachedBytes));

        pool.ReleaseCached();
        Assert.Equal((0, 4256, 0L), (pool.ReservedBytes, pool.ReservedPeakBytes, pool.CachedBytes));
        Assert.Equal(0, device.Live);
        Assert.Equal(3, device.Synchronized.Count);   // each cached block was freed after its free event

        FakeBlock w = pool.Rent(500, _c);
        Assert.Equal((500, 4256), (pool.ReservedBytes, pool.ReservedPeakBytes));
        pool.ResetPeak();
        Assert.Equal(500, pool.ReservedPeakBytes);
        pool.Return(w, _c);
        Assert.Equal((500, 500), (pool.ReservedBytes, pool.ReservedPeakBytes));
        Assert.Equal(4, device.Mallocs);
        Assert.Equal(4, pool.DeviceAllocations);
    }

    [Fact]
    public void Out_of_memory_releases_the_cached_blocks_after_their_events_and_retries_once()
    {
        var (pool, device) = Create(capacity: 10_000);
        FakeBlock cached = pool.Rent(6000, _a);
        pool.Return(cached, _a);
        FakeEvent freedAt = device.LastRecorded!;

        FakeBlock other = pool.Rent(7000, _b);         // does not fit next to the cached 6000

        Assert.True(cached.Freed);
        Assert.False(other.Freed);
        Assert.Equal([freedAt], device.Synchronized);  // the free waited for A's work on the block
        Assert.True(freedAt.Destroyed);
        Assert.Equal(7000, pool.ReservedBytes);
        Assert.Equal(7000, pool.ReservedPeakBytes);    // the cached 6000 was freed before the retry
        Assert.Throws<OutOfMemoryException>(() => pool.Rent(5000, _a));
        Assert.Equal(7000, pool.ReservedBytes);
    }

    [Fact]
    public void Dispose_frees_every_block_and_event_and_later_returns_are_ignored()
    {
        var (pool, device) = Create();
        FakeBlock held = pool.Rent(1000, _a);
        FakeBlock cached = pool.Rent(2000, _b);
        FakeBlock reused = pool.Rent(3000, _a);
        pool.Return(cached, _b);
        pool.Return(reused, _a);
        device.LastRecorded!.Completed = true;
        Assert.Same(reused, pool.Rent(3000, _c));     // its event goes back to the spare events
        Assert.Equal(2, device.LiveEvents);

        pool.Dispose();

        Assert.All(device.Blocks, b => Assert.True(b.Freed));
        Assert.Equal(0, device.Live);
        Assert.Equal(0, device.LiveEvents);
        Assert.Equal(0, pool.ReservedBytes);
        Assert.False(pool.Return(held, _a));
        Assert.Null(pool.DeviceUsedBytes());
        Assert.Throws<ObjectDisposedException>(() => pool.Rent(10, _a));
        pool.Dispose(); // idempotent
    }

    [Fact]
    public void A_return_whose_event_cannot_be_recorded_frees_the_block_instead_of_caching_it()
    {
        var (pool, device) = Create();
        FakeBlock block = pool.Rent(1000, _a);
        device.FailRecord = true;

        Assert.Throws<InvalidOperationException>(() => pool.Return(block, _a));

        Assert.True(block.Freed);
        Assert.Equal(0, pool.ReservedBytes);
        Assert.Equal(0, pool.CachedBytes);
        Assert.Equal(0, device.LiveEvents);
    }

    [Fact]
    public void Device_used_bytes_is_total_minus_free_and_its_peak_follows_the_samples()
    {
        var (pool, device) = Create();
        Assert.Null(pool.DeviceUsedPeakBytes);
        device.FreeBytes = 70_000;
        Assert.Equal(30_000, pool.DeviceUsedBytes());
        device.FreeBytes = 40_000;
        Assert.Equal(60_000, pool.DeviceUsedBytes());
        device.FreeBytes = 90_000;
        Assert.Equal(10_000, pool.DeviceUsedBytes());
        Assert.Equal(60_000, pool.DeviceUsedPeakBytes);

        pool.ResetPeak();
        Assert.Null(pool.DeviceUsedPeakBytes);
        Assert.Equal(10_000, pool.DeviceUsedBytes());
        Assert.Equal(10_000, pool.DeviceUsedPeakBytes);
    }
}
