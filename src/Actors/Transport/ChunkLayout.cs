namespace CyclicActors.Actors.Transport;

/// <summary>
/// How a tensor of <see cref="TotalElements"/> floats is cut: every chunk holds
/// <see cref="ChunkElements"/> elements except the last, which holds the rest. An empty tensor is
/// one empty chunk, so that it still completes. Sender and receiver derive the same layout, which
/// is what lets the receiver reject a chunk whose offset or length does not fit.
/// </summary>
public readonly record struct ChunkLayout
{
    public ChunkLayout(int totalElements, int chunkElements)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalElements);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkElements, 1);
        TotalElements = totalElements;
        ChunkElements = chunkElements;
    }

    public int TotalElements { get; }

    public int ChunkElements { get; }

    public int ChunkCount => TotalElements == 0 ? 1 : (int)(((long)TotalElements + ChunkElements - 1) / ChunkElements);

    /// <summary>The layout whose chunks are at most <paramref name="chunkBytes"/> bytes of float32.</summary>
    public static ChunkLayout ForChunkBytes(int totalElements, int chunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, sizeof(float));
        return new ChunkLayout(totalElements, chunkBytes / sizeof(float));
    }

    public int OffsetOf(int sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sequence, ChunkCount);
        return (int)Math.Min((long)sequence * ChunkElements, TotalElements);
    }

    public int LengthOf(int sequence)
    {
        var offset = OffsetOf(sequence);
        return Math.Min(ChunkElements, TotalElements - offset);
    }
}
