using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Plan;

/// <summary>
/// One machine's pool in simulated time, as the CPU pool (and the CUDA pool, both keyed by exact
/// size) keeps memory: every freed buffer stays cached for the next rent of its size, so the pool
/// ends up holding, for every size, the most buffers of it that were out at once. Fed the ops'
/// <see cref="OpBuffers"/>: an op whose rents and returns were timed (<see cref="OpBuffers.Events"/>)
/// one by one at their moments in it (<see cref="Changed"/>), any other as held at its most from its
/// start to its end (<see cref="Started"/>, <see cref="Finished"/>).
/// </summary>
public sealed class PerSizePool
{
    private readonly Dictionary<long, int> _out = [];
    private readonly Dictionary<long, int> _most = [];
    private long _outBytes;

    /// <summary>The most bytes out at one moment (what a pool that gave back every freed buffer would have needed).</summary>
    public long OutPeakBytes { get; private set; }

    /// <summary>What the pool holds at the end: for every size, the most buffers of it out at once.</summary>
    public long CachedBytes => _most.Sum(pair => pair.Key * pair.Value);

    /// <summary>
    /// What the pool of <paramref name="workers"/> workers caches for their ops' buffers at most,
    /// whatever the timing: each worker can be at its own worst op for every size at some moment, so
    /// per size N times the most one worker running <paramref name="microBatchOps"/> (one micro-batch's
    /// ops in order) holds. DP's workers reach it together; CDP's staggered ones less or as much.
    /// </summary>
    public static long MostCachedByAnyTiming(IEnumerable<OpBuffers> microBatchOps, int workers)
    {
        ArgumentNullException.ThrowIfNull(microBatchOps);
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        var alone = new PerSizePool();
        foreach (var op in microBatchOps)
        {
            alone.Started(op);
            alone.Finished(op);
        }

        return workers * alone.CachedBytes;
    }

    /// <summary>An op starts: its buffers at their most are out until it finishes.</summary>
    public void Started(OpBuffers op)
    {
        ArgumentNullException.ThrowIfNull(op);
        Add(op.MostAdded, 1);
    }

    /// <summary>An op finishes: from its most down to what it leaves out (stored activations, or fewer after a backward).</summary>
    public void Finished(OpBuffers op)
    {
        ArgumentNullException.ThrowIfNull(op);
        Add(op.MostAdded, -1);
        Add(op.NetAdded, 1);
    }

    /// <summary>One rent (<paramref name="change"/> +1) or return (−1) of a buffer of <paramref name="bytes"/>, at its moment inside an op.</summary>
    public void Changed(long bytes, int change)
    {
        Add(bytes, change);
        OutPeakBytes = Math.Max(OutPeakBytes, _outBytes);
    }

    private void Add(IReadOnlyDictionary<long, int> counts, int sign)
    {
        foreach (var (bytes, count) in counts)
        {
            Add(bytes, sign * count);
        }

        OutPeakBytes = Math.Max(OutPeakBytes, _outBytes);
    }

    private void Add(long bytes, int change)
    {
        int now = _out.GetValueOrDefault(bytes) + change;
        if (now < 0)
        {
            throw new InvalidOperationException($"More {bytes}-byte buffers returned than were out: the ops' buffers do not balance.");
        }

        _out[bytes] = now;
        _most[bytes] = Math.Max(_most.GetValueOrDefault(bytes), now);
        _outBytes += change * bytes;
    }
}
