using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Transport;

/// <summary>Identifies what a transfer carries: which step, stage and worker rank it belongs to.</summary>
public readonly record struct TransferLabel(int Step, int Stage, int Rank);

/// <summary>
/// Cuts a tensor into <see cref="TensorChunk"/>s of at most a configured number of bytes. Each
/// chunk's payload is a slice of the caller's array (no copy), so the array must stay unchanged
/// until the chunks have been serialized.
/// </summary>
public static class TensorChunker
{
    public static IReadOnlyList<TensorChunk> Split(long transferId, TransferLabel label, float[] tensor, int chunkBytes)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var layout = ChunkLayout.ForChunkBytes(tensor.Length, chunkBytes);
        var bytes = new FloatByteMemory(tensor).Memory;
        var chunks = new TensorChunk[layout.ChunkCount];
        for (var sequence = 0; sequence < chunks.Length; sequence++)
        {
            var offset = layout.OffsetOf(sequence);
            var length = layout.LengthOf(sequence);
            chunks[sequence] = new TensorChunk(
                transferId,
                label.Step,
                label.Stage,
                label.Rank,
                sequence,
                layout.ChunkCount,
                offset,
                tensor.Length,
                bytes.Slice(offset * sizeof(float), length * sizeof(float)));
        }

        return chunks;
    }
}
