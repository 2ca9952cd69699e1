using System.Diagnostics;

namespace CyclicActors.GpuCompute.Memory;

/// <summary>
/// How many buffers of each size (bytes) are out at once, as a pool that caches freed buffers per
/// exact size sees them: such a pool ends up holding, for every size, the most buffers of it ever
/// out together, which can be well above the most bytes out at one moment when different sizes peak
/// at different times. A <see cref="MemoryLedger"/> given one reports every allocation and release to
/// it; <see cref="Window"/> measures one op. Thread-safe.
/// </summary>
public sealed class BufferSizeCounts
{
    private readonly Dictionary<long, int> _out = [];
    private readonly Dictionary<long, int> _windowStart = [];
    private readonly Dictionary<long, int> _windowMost = [];
    private readonly List<(long Timestamp, long Bytes, int Change)> _windowEvents = [];
    private readonly object _gate = new();
    private bool _windowOpen;

    public void OnAllocated(long bytes)
    {
        lock (_gate)
        {
            int count = _out.GetValueOrDefault(bytes) + 1;
            _out[bytes] = count;
            Record(bytes, 1);
            // A window starts with every size out in both maps, so a size missing from them started at 0.
            if (count > _windowMost.GetValueOrDefault(bytes))
            {
                _windowMost[bytes] = count;
            }
        }
    }

    public void OnReleased(long bytes)
    {
        lock (_gate)
        {
            int count = _out.GetValueOrDefault(bytes) - 1;
            if (count < 0)
            {
                throw new InvalidOperationException($"Buffer size counts went negative for {bytes} bytes: released more than was allocated.");
            }

            _out[bytes] = count;
            Record(bytes, -1);
        }
    }

    /// <summary>The buffers of each size out now.</summary>
    public IReadOnlyDictionary<long, int> Out()
    {
        lock (_gate)
        {
            return _out.Where(pair => pair.Value > 0).ToDictionary();
        }
    }

    /// <summary>
    /// Runs <paramref name="op"/> and returns, per size, the most buffers it held at once beyond those
    /// out before it and how many more (or fewer) are out after it, and its rents and returns in order,
    /// each at the fraction of the op's time it came (<see cref="OpBuffers.Events"/>).
    /// </summary>
    public OpBuffers Window(Action op)
    {
        ArgumentNullException.ThrowIfNull(op);
        long started;
        lock (_gate)
        {
            _windowStart.Clear();
            _windowMost.Clear();
            _windowEvents.Clear();
            foreach (var (bytes, count) in _out)
            {
                _windowStart[bytes] = count;
                _windowMost[bytes] = count;
            }

            _windowOpen = true;
            started = Stopwatch.GetTimestamp();
        }

        try
        {
            op();
        }
        finally
        {
            lock (_gate)
            {
                _windowOpen = false;
            }
        }

        long ended = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            double length = Math.Max(1, ended - started);
            var events = _windowEvents.Select(e => new BufferEvent(Math.Clamp((e.Timestamp - started) / length, 0, 1), e.Bytes, e.Change)).ToArray();
            var sizes = _out.Keys.Union(_windowStart.Keys).Order();
            var most = new SortedDictionary<long, int>();
            var net = new SortedDictionary<long, int>();
            foreach (long bytes in sizes)
            {
                int before = _windowStart.GetValueOrDefault(bytes);
                int added = _windowMost.GetValueOrDefault(bytes) - before;
                int change = _out.GetValueOrDefault(bytes) - before;
                if (added > 0)
                {
                    most[bytes] = added;
                }

                if (change != 0)
                {
                    net[bytes] = change;
                }
            }

            return new OpBuffers(most, net, events);
        }
    }

    /// <summary>Under <see cref="_gate"/>: notes a rent or return while a window is open.</summary>
    private void Record(long bytes, int change)
    {
        if (_windowOpen)
        {
            _windowEvents.Add((Stopwatch.GetTimestamp(), bytes, change));
        }
    }
}

/// <summary>One rent (<paramref name="Change"/> +1) or return (−1) of a buffer of <paramref name="Bytes"/> inside an op, <paramref name="At"/> a fraction (0 to 1) of the op's time from its start.</summary>
public readonly record struct BufferEvent(double At, long Bytes, int Change);

/// <summary>
/// The buffers one op rents and returns, by size (bytes): <paramref name="MostAdded"/>, the most of
/// each size it held at once beyond those out when it began; <paramref name="NetAdded"/>, how many
/// more (negative: fewer) are out when it ends (a forward's stored activations, a backward freeing them);
/// <paramref name="Events"/>, when measured, its rents and returns in order with when in the op each
/// came: a layer's temporaries are out for that layer's part of the op, not the whole op, which is
/// what decides how many of them several workers' ops under way together hold at once.
/// </summary>
public sealed record OpBuffers(IReadOnlyDictionary<long, int> MostAdded, IReadOnlyDictionary<long, int> NetAdded, IReadOnlyList<BufferEvent>? Events = null)
{
    /// <summary>The most bytes the op held at once beyond those out when it began, bounded per size.</summary>
    public long MostAddedBytes => MostAdded.Sum(pair => pair.Key * pair.Value);

    /// <summary>The bytes more (negative: fewer) out after the op than before it.</summary>
    public long NetAddedBytes => NetAdded.Sum(pair => pair.Key * pair.Value);

    /// <summary>
    /// Whether <paramref name="other"/> are this op's timed rents and returns, whatever their moments: the
    /// same sizes and changes in the same order (the same code on the same shapes gives them).
    /// </summary>
    public bool SameRentsAndReturns(IReadOnlyList<BufferEvent> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Events is { } events && events.Count == other.Count
            && events.Zip(other).All(pair => pair.First.Bytes == pair.Second.Bytes && pair.First.Change == pair.Second.Change);
    }
}
