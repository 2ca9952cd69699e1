namespace CyclicActors.Actors.Transport;

/// <summary>What the receiver did with one chunk.</summary>
public enum ChunkOutcome
{
    /// <summary>Written into the transfer's buffer; more chunks are expected.</summary>
    Accepted,

    /// <summary>Written, and it was the last missing chunk: the tensor is complete.</summary>
    Completed,

    /// <summary>A chunk already received (or of a completed transfer); ignored.</summary>
    Duplicate,

    /// <summary>Malformed or inconsistent with its transfer; ignored, the reason says why.</summary>
    Rejected,
}

/// <summary>The outcome of one chunk, with a reason for everything but acceptance.</summary>
public readonly record struct ChunkResult(ChunkOutcome Outcome, string? Reason = null)
{
    public static ChunkResult Accepted { get; } = new(ChunkOutcome.Accepted);

    public static ChunkResult Completed { get; } = new(ChunkOutcome.Completed);

    public static ChunkResult Duplicate(string reason) => new(ChunkOutcome.Duplicate, reason);

    public static ChunkResult Rejected(string reason) => new(ChunkOutcome.Rejected, reason);
}
