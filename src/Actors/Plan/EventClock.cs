namespace CyclicActors.Actors.Plan;

/// <summary>
/// The discrete-event loop: actions run in time order, ties in the order they were scheduled, so a
/// simulation is deterministic.
/// </summary>
public sealed class EventClock
{
    private readonly PriorityQueue<Action, (double Time, long Sequence)> _events = new();
    private long _sequence;

    /// <summary>Seconds since the run started.</summary>
    public double Now { get; private set; }

    /// <summary>Runs <paramref name="action"/> at <paramref name="time"/> (now if it is in the past).</summary>
    public void At(double time, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _events.Enqueue(action, (Math.Max(time, Now), _sequence++));
    }

    /// <summary>Runs events until none is left; returns how many ran.</summary>
    public long RunAll(long limit = 100_000_000)
    {
        long ran = 0;
        while (_events.TryDequeue(out var action, out var key))
        {
            if (++ran > limit)
            {
                throw new InvalidOperationException($"The simulation ran more than {limit} events; it does not settle.");
            }

            Now = key.Time;
            action();
        }

        return ran;
    }
}
