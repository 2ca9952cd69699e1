using CyclicActors.GpuCompute.Cuda;

namespace CyclicActors.GpuCompute.Tests.Cuda;

internal sealed class FakeStream(string name)
{
    public override string ToString() => name;
}

/// <summary>An event: pending after each record until the test (or <see cref="FakeStreamDevice.CompleteOnRecord"/>) completes it.</summary>
internal sealed class FakeEvent(int id)
{
    public int Id { get; } = id;

    public FakeStream? RecordedOn { get; set; }

    public int Records { get; set; }

    public bool Completed { get; set; }

    public bool Destroyed { get; set; }

    public override string ToString() => $"event {Id} on {RecordedOn}";
}

internal sealed class FakeBlock(long bytes)
{
    public long Bytes { get; } = bytes;

    public bool Freed { get; set; }
}

/// <summary>
/// A device with a capacity, like cuMemAlloc (throws <see cref="OutOfMemoryException"/> when full),
/// whose events and stream waits are recorded so tests can check the pool's cross-stream rule.
/// Thread-safe, for the concurrency test.
/// </summary>
internal sealed class FakeStreamDevice(long capacity = 1L << 40) : IStreamOrderedDevice<FakeBlock, FakeStream, FakeEvent>
{
    private readonly object _gate = new();
    private int _events;

    public long Live { get; private set; }

    public int Mallocs { get; private set; }

    public List<FakeBlock> Blocks { get; } = [];

    /// <summary>Every cuStreamWaitEvent: the waiting stream, the event, and the stream the event was recorded on at that moment.</summary>
    public List<(FakeStream Stream, FakeEvent Event, FakeStream? RecordedOn)> Waits { get; } = [];

    public List<FakeEvent> Synchronized { get; } = [];

    public int LiveEvents { get; private set; }

    public int RecordedEvents { get; private set; }

    /// <summary>The event of the latest record (the free event of the latest return).</summary>
    public FakeEvent? LastRecorded { get; private set; }

    /// <summary>When set, each record completes at once with this probability (a fast GPU); otherwise events stay pending.</summary>
    public double CompleteOnRecord { get; set; }

    public bool FailRecord { get; set; }

    public long FreeBytes { get; set; } = 80_000;

    public long TotalBytes { get; set; } = 100_000;

    public FakeBlock Allocate(long bytes)
    {
        lock (_gate)
        {
            if (Live + bytes > capacity)
            {
                throw new OutOfMemoryException("fake device full");
            }

            Mallocs++;
            Live += bytes;
            var block = new FakeBlock(bytes);
            Blocks.Add(block);
            return block;
        }
    }

    public bool IsOutOfMemory(Exception error) => error is OutOfMemoryException;

    public void Free(FakeBlock block)
    {
        lock (_gate)
        {
            if (block.Freed)
            {
                throw new InvalidOperationException("block freed twice");
            }

            block.Freed = true;
            Live -= block.Bytes;
        }
    }

    public FakeEvent CreateEvent()
    {
        lock (_gate)
        {
            LiveEvents++;
            return new FakeEvent(++_events);
        }
    }

    public void DestroyEvent(FakeEvent evt)
    {
        lock (_gate)
        {
            if (evt.Destroyed)
            {
                throw new InvalidOperationException("event destroyed twice");
            }

            evt.Destroyed = true;
            LiveEvents--;
        }
    }

    public void Record(FakeEvent evt, FakeStream stream)
    {
        lock (_gate)
        {
            if (FailRecord)
            {
                throw new InvalidOperationException("fake stream broken");
            }

            RecordedEvents++;
            LastRecorded = evt;
            evt.RecordedOn = stream;
            evt.Records++;
            evt.Completed = CompleteOnRecord > 0 && Random.Shared.NextDouble() < CompleteOnRecord;
        }
    }

    public bool HasCompleted(FakeEvent evt)
    {
        lock (_gate)
        {
            return evt.Completed;
        }
    }

    public void MakeWait(FakeStream stream, FakeEvent evt)
    {
        lock (_gate)
        {
            Waits.Add((stream, evt, evt.RecordedOn));
        }
    }

    public void Synchronize(FakeEvent evt)
    {
        lock (_gate)
        {
            Synchronized.Add(evt);
            evt.Completed = true;
        }
    }

    public (long Free, long Total) MemoryInfo() => (FreeBytes, TotalBytes);

    public void CompleteAll(IEnumerable<FakeEvent> events)
    {
        lock (_gate)
        {
            foreach (var evt in events)
            {
                evt.Completed = true;
            }
        }
    }
}
