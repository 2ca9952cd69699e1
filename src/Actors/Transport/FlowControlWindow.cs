namespace CyclicActors.Actors.Transport;

/// <summary>What a cumulative acknowledgement did to the window.</summary>
public enum AckOutcome
{
    /// <summary>Freed at least one credit.</summary>
    Advanced,

    /// <summary>Not newer than what was already acknowledged (reordered or repeated ack): no change.</summary>
    Stale,

    /// <summary>Acknowledges more chunks than were ever sent: a corrupt or foreign ack, ignored.</summary>
    Invalid,
}

/// <summary>
/// Credit-based flow control for one link: at most <see cref="Capacity"/> chunks are in flight
/// (sent and not yet acknowledged). Acknowledgements are cumulative counts, so losing or
/// reordering one delays credits but never leaks them.
/// </summary>
public sealed class FlowControlWindow
{
    public FlowControlWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public long Sent { get; private set; }

    public long Acknowledged { get; private set; }

    public int InFlight => (int)(Sent - Acknowledged);

    public int Available => Capacity - InFlight;

    /// <summary>Takes a credit for one chunk about to be sent; false when the window is full.</summary>
    public bool TryAcquire()
    {
        if (InFlight >= Capacity)
        {
            return false;
        }

        Sent++;
        return true;
    }

    public AckOutcome OnAcknowledged(long receivedChunks)
    {
        if (receivedChunks > Sent)
        {
            return AckOutcome.Invalid;
        }

        if (receivedChunks <= Acknowledged)
        {
            return AckOutcome.Stale;
        }

        Acknowledged = receivedChunks;
        return AckOutcome.Advanced;
    }
}
