using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class MemoryAccountingTests
{
    [Fact]
    public void LiveBytesReturnToZeroAndPeakIsKept()
    {
        using var backend = new CpuBackend();
        var first = backend.Allocate(100, MemoryTag.Activations);
        var second = backend.Allocate(50, MemoryTag.Activations);
        Assert.Equal(600, backend.Ledger.LiveBytes(MemoryTag.Activations));
        first.Dispose();
        second.Dispose();

        Assert.Equal(0, backend.Ledger.LiveBytes(MemoryTag.Activations));
        Assert.Equal(600, backend.Ledger.PeakBytes(MemoryTag.Activations));
        Assert.Equal(0, backend.Ledger.TotalLiveBytes);
    }

    [Fact]
    public void ThePoolHandsOutTheSameArraysAgain()
    {
        using var backend = new CpuBackend();
        backend.Allocate(256, MemoryTag.Workspace).Dispose();
        long reserved = backend.ReservedBytes;
        backend.Allocate(256, MemoryTag.Gradients).Dispose();
        Assert.Equal(reserved, backend.ReservedBytes);
        Assert.Equal(1024, reserved);
    }

    [Fact]
    public void KernelWorkspaceIsReturnedAndReused()
    {
        var shape = new Conv2dShape(Batch: 2, InChannels: 3, Height: 8, Width: 8, OutChannels: 4, KernelH: 3, KernelW: 3, Stride: 1, Padding: 1);
        using var backend = new CpuBackend();
        using var x = TestData.Upload(backend, TestData.Uniform(1, (int)shape.InputElements));
        using var w = TestData.Upload(backend, TestData.Uniform(2, (int)shape.WeightElements), MemoryTag.Parameters);
        using var b = TestData.Upload(backend, TestData.Uniform(3, shape.OutChannels), MemoryTag.Parameters);
        using var y = backend.Allocate(shape.OutputElements, MemoryTag.Activations);

        backend.Conv2dForward(x, w, b, y, shape);
        long reserved = backend.ReservedBytes;
        Assert.Equal(0, backend.Ledger.LiveBytes(MemoryTag.Workspace));
        Assert.True(backend.Ledger.PeakBytes(MemoryTag.Workspace) >= (long)shape.PatchSize * 64 * sizeof(float));

        backend.Conv2dForward(x, w, b, y, shape);
        Assert.Equal(reserved, backend.ReservedBytes);
        Assert.Equal(0, backend.Ledger.LiveBytes(MemoryTag.Workspace));
    }

    [Fact]
    public void ALedgerCountsItsBuffersBySizeAndAWindowGivesAnOpsMostAndWhatItLeavesOut()
    {
        var sizes = new BufferSizeCounts();
        using var backend = new CpuBackend(new MemoryLedger(sizes: sizes));
        var kept = backend.Allocate(10, MemoryTag.Activations);
        var window = sizes.Window(() =>
        {
            var stored = backend.Allocate(25, MemoryTag.Activations);
            backend.Allocate(10, MemoryTag.Workspace).Dispose();
            var first = backend.Allocate(10, MemoryTag.Workspace);
            var second = backend.Allocate(10, MemoryTag.Workspace);
            first.Dispose();
            second.Dispose();
            kept.Dispose();
            _ = stored;
        });

        Assert.Equal(new Dictionary<long, int> { [40] = 2, [100] = 1 }, window.MostAdded);
        Assert.Equal(new Dictionary<long, int> { [40] = -1, [100] = 1 }, window.NetAdded);
        Assert.Equal(180, window.MostAddedBytes);
        Assert.Equal(60, window.NetAddedBytes);
        // Its rents and returns in order, each at the fraction of the op's time it came.
        Assert.Equal([(100L, 1), (40L, 1), (40L, -1), (40L, 1), (40L, 1), (40L, -1), (40L, -1), (40L, -1)], window.Events!.Select(change => (change.Bytes, change.Change)));
        Assert.All(window.Events!, change => Assert.InRange(change.At, 0, 1));
        Assert.Equal(window.Events!.Select(change => change.At).Order(), window.Events!.Select(change => change.At));
        Assert.Empty(sizes.Window(() => { }).Events!);
        Assert.Equal(new Dictionary<long, int> { [100] = 1 }, sizes.Out());
        Assert.Throws<InvalidOperationException>(() => sizes.OnReleased(40));
    }

    [Fact]
    public void AUsedAfterDisposeBufferIsRejected()
    {
        using var backend = new CpuBackend();
        var buffer = backend.Allocate(4, MemoryTag.Workspace);
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => backend.Fill(buffer, 1f));
    }
}
