namespace CyclicActors.GpuCompute.Memory;

/// <summary>
/// Live and high-water bytes per <see cref="MemoryTag"/>. Thread-safe. A ledger may have a parent
/// (for example one per process over all workers' ledgers) that sees every change as well, so the
/// sum over workers is measured exactly rather than added up from separately sampled peaks, and
/// may count its buffers by size (<see cref="BufferSizeCounts"/>, what a per-size pool keeps).
/// </summary>
public sealed class MemoryLedger
{
    private static readonly int TagCount = Enum.GetValues<MemoryTag>().Length;
    private readonly long[] _live = new long[TagCount];
    private readonly long[] _peak = new long[TagCount];
    private readonly long[] _windowPeak = new long[TagCount];
    private long _totalLive;
    private long _totalPeak;

    public MemoryLedger(MemoryLedger? parent = null, BufferSizeCounts? sizes = null)
    {
        Parent = parent;
        Sizes = sizes;
    }

    public MemoryLedger? Parent { get; }

    /// <summary>Where every allocation and release is also counted by its size; null: not counted.</summary>
    public BufferSizeCounts? Sizes { get; }

    public long LiveBytes(MemoryTag tag) => Interlocked.Read(ref _live[(int)tag]);

    public long PeakBytes(MemoryTag tag) => Interlocked.Read(ref _peak[(int)tag]);

    public long TotalLiveBytes => Interlocked.Read(ref _totalLive);

    public long TotalPeakBytes => Interlocked.Read(ref _totalPeak);

    public void OnAllocated(MemoryTag tag, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long live = Interlocked.Add(ref _live[(int)tag], bytes);
        HighWater.Raise(ref _peak[(int)tag], live);
        HighWater.Raise(ref _windowPeak[(int)tag], live);
        HighWater.Raise(ref _totalPeak, Interlocked.Add(ref _totalLive, bytes));
        Sizes?.OnAllocated(bytes);
        Parent?.OnAllocated(tag, bytes);
    }

    public void OnReleased(MemoryTag tag, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long live = Interlocked.Add(ref _live[(int)tag], -bytes);
        Interlocked.Add(ref _totalLive, -bytes);
        if (live < 0)
        {
            throw new InvalidOperationException($"Memory ledger went negative for {tag}: released more than was allocated.");
        }

        Sizes?.OnReleased(bytes);
        Parent?.OnReleased(tag, bytes);
    }

    /// <summary>
    /// The highest live bytes of a tag since the previous call (or since creation), then starts a new
    /// window at the current live value: lets a sampler see short peaks between two samples.
    /// </summary>
    public long TakeWindowPeak(MemoryTag tag)
    {
        long live = Interlocked.Read(ref _live[(int)tag]);
        long peak = Interlocked.Exchange(ref _windowPeak[(int)tag], live);
        return Math.Max(peak, live);
    }

    /// <summary>Sets every high-water mark to the current live value (e.g. after warm-up).</summary>
    public void ResetPeaks()
    {
        for (int i = 0; i < TagCount; i++)
        {
            Interlocked.Exchange(ref _peak[i], Interlocked.Read(ref _live[i]));
            Interlocked.Exchange(ref _windowPeak[i], Interlocked.Read(ref _live[i]));
        }

        Interlocked.Exchange(ref _totalPeak, Interlocked.Read(ref _totalLive));
    }
}
