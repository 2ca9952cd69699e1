using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Transport;

/// <summary>
/// Everything about a chunk except its payload bytes: what a receiver validates before it decides
/// where the payload goes (a dedicated channel reads it straight into the tensor).
/// </summary>
public readonly record struct ChunkHeader(
    long TransferId,
    int Step,
    int Stage,
    int Rank,
    int Sequence,
    int ChunkCount,
    int Offset,
    int TotalElements,
    int PayloadBytes)
{
    /// <summary>Elements in the payload, rounded down (validation rejects a partial float).</summary>
    public int PayloadElements => PayloadBytes / sizeof(float);

    public TransferLabel Label => new(Step, Stage, Rank);

    public static ChunkHeader Of(TensorChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return new(chunk.TransferId, chunk.Step, chunk.Stage, chunk.Rank, chunk.Sequence, chunk.ChunkCount, chunk.Offset, chunk.TotalElements, chunk.Payload.Length);
    }

    /// <summary>The chunk this header describes, over a payload the caller holds (borrowed, not copied).</summary>
    public TensorChunk ToChunk(ReadOnlyMemory<byte> payload) =>
        new(TransferId, Step, Stage, Rank, Sequence, ChunkCount, Offset, TotalElements, payload);
}
