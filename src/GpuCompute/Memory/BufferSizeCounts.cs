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
    private readonly object _gate = new();

    public void OnAllocated(long bytes)
    {
        lock (_gate)
        {
            int count = _out.GetValueOrDefault(bytes) + 1;
            _out[bytes] = count;
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

    /// <summary>Runs <paramref name="op"/> and returns, per size, the most buffers it held at once beyond those out before it and how many more (or fewer) are out after it.</summary>
    public OpBuffers Window(Action op)
    {
        ArgumentNullException.ThrowIfNull(op);
        lock (_gate)
        {
            _windowStart.Clear();
            _windowMost.Clear();
            foreach (var (bytes, count) in _out)
            {
                _windowStart[bytes] = count;
                _windowMost[bytes] = count;
            }
        }

        op();
        lock (_gate)
        {
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

            return new OpBuffers(most, net);
        }
    }
}

/// <summary>
/// The buffers one op rents and returns, by size (bytes): <paramref name="MostAdded"/>, the most of
/// each size it held at once beyond those out when it began; <paramref name="NetAdded"/>, how many
/// more (negative: fewer) are out when it ends (a forward's stored activations, a backward freeing them).
/// </summary>
public sealed record OpBuffers(IReadOnlyDictionary<long, int> MostAdded, IReadOnlyDictionary<long, int> NetAdded)
{
    /// <summary>The most bytes the op held at once beyond those out when it began, bounded per size.</summary>
    public long MostAddedBytes => MostAdded.Sum(pair => pair.Key * pair.Value);

    /// <summary>The bytes more (negative: fewer) out after the op than before it.</summary>
    public long NetAddedBytes => NetAdded.Sum(pair => pair.Key * pair.Value);
}
