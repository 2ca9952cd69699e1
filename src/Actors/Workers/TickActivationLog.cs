namespace CyclicActors.Actors.Workers;

/// <summary>One worker's activation peak per logical tick (one entry per op it ran, ticks ascending).</summary>
public sealed class TickActivationLog
{
    private readonly List<long> _ticks = [];
    private readonly List<long> _peaks = [];

    public void Record(long tick, long peakBytes)
    {
        if (_ticks.Count > 0 && tick <= _ticks[^1])
        {
            throw new InvalidOperationException($"Tick {tick} recorded after tick {_ticks[^1]}: a worker runs one op per tick, in order.");
        }

        _ticks.Add(tick);
        _peaks.Add(peakBytes);
    }

    public long[] Ticks => _ticks.ToArray();

    public long[] PeakBytes => _peaks.ToArray();
}
