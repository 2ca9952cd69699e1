namespace CyclicActors.Actors.Transport;

/// <summary>
/// The sending side of one link: chunks wait here in order and leave as credits of the
/// <see cref="FlowControlWindow"/> allow. Pure: the caller sends what <see cref="Enqueue"/> and
/// <see cref="OnAcknowledged"/> return.
/// </summary>
public sealed class ChunkSendQueue<TChunk>
{
    private readonly Queue<TChunk> _waiting = new();

    public ChunkSendQueue(int windowChunks)
    {
        Window = new FlowControlWindow(windowChunks);
    }

    public FlowControlWindow Window { get; }

    public int Waiting => _waiting.Count;

    /// <summary>Queues the chunks; returns those that may be sent now, in order.</summary>
    public IReadOnlyList<TChunk> Enqueue(IEnumerable<TChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        foreach (var chunk in chunks)
        {
            _waiting.Enqueue(chunk);
        }

        return Release();
    }

    /// <summary>Applies a cumulative ack; returns the chunks its credits release, in order.</summary>
    public IReadOnlyList<TChunk> OnAcknowledged(long receivedChunks, out AckOutcome outcome)
    {
        outcome = Window.OnAcknowledged(receivedChunks);
        return outcome == AckOutcome.Advanced ? Release() : [];
    }

    private List<TChunk> Release()
    {
        var ready = new List<TChunk>();
        while (_waiting.Count > 0 && Window.TryAcquire())
        {
            ready.Add(_waiting.Dequeue());
        }

        return ready;
    }
}
