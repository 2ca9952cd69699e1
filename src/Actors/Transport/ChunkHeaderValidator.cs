using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Transport;

/// <summary>
/// Checks one chunk on its own, as it came off the network: ranges, whole floats, and that its
/// offset and length fit the one layout its sequence, count and total allow. The chunk element
/// count is inferred from the chunk itself (offset / sequence, or the length of chunk 0), so every
/// chunk of a transfer must infer the same layout; the reassembler checks that.
/// </summary>
public static class ChunkHeaderValidator
{
    /// <summary>Null and the chunk's layout when it is well formed; otherwise the reason.</summary>
    public static string? Validate(TensorChunk chunk, int maxElements, out ChunkLayout layout) =>
        Validate(ChunkHeader.Of(chunk), maxElements, out layout);

    /// <summary>Null and the layout when the header is well formed; otherwise the reason.</summary>
    public static string? Validate(ChunkHeader chunk, int maxElements, out ChunkLayout layout)
    {
        layout = default;
        var where = $"chunk {chunk.Sequence} of transfer {chunk.TransferId}";
        if (chunk.Step < 0 || chunk.Stage < 0 || chunk.Rank < 0)
        {
            return $"{where}: negative step/stage/rank ({chunk.Step}/{chunk.Stage}/{chunk.Rank}).";
        }

        if (chunk.ChunkCount < 1)
        {
            return $"{where}: chunk count {chunk.ChunkCount} is less than 1.";
        }

        if (chunk.Sequence < 0 || chunk.Sequence >= chunk.ChunkCount)
        {
            return $"{where}: sequence is outside 0..{chunk.ChunkCount - 1}.";
        }

        if (chunk.TotalElements < 0 || chunk.TotalElements > maxElements)
        {
            return $"{where}: total of {chunk.TotalElements} elements is outside 0..{maxElements}.";
        }

        if (chunk.PayloadBytes < 0 || chunk.PayloadBytes % sizeof(float) != 0)
        {
            return $"{where}: payload of {chunk.PayloadBytes} bytes is not a whole number of float32 values.";
        }

        if (chunk.Offset < 0 || chunk.PayloadElements > chunk.TotalElements - chunk.Offset)
        {
            return $"{where}: elements {chunk.Offset}..{(long)chunk.Offset + chunk.PayloadElements} do not fit a tensor of {chunk.TotalElements}.";
        }

        var chunkElements = InferChunkElements(chunk);
        if (chunkElements < 1)
        {
            return $"{where}: offset {chunk.Offset} and length {chunk.PayloadElements} imply no valid chunk size.";
        }

        var inferred = new ChunkLayout(chunk.TotalElements, chunkElements);
        if (inferred.ChunkCount != chunk.ChunkCount
            || inferred.OffsetOf(chunk.Sequence) != chunk.Offset
            || inferred.LengthOf(chunk.Sequence) != chunk.PayloadElements)
        {
            return $"{where}: offset {chunk.Offset} and length {chunk.PayloadElements} do not fit {chunk.ChunkCount} chunks of a {chunk.TotalElements}-element tensor.";
        }

        layout = inferred;
        return null;
    }

    private static int InferChunkElements(ChunkHeader chunk)
    {
        if (chunk.ChunkCount == 1)
        {
            return Math.Max(chunk.TotalElements, 1);
        }

        if (chunk.Sequence == 0)
        {
            return chunk.Offset == 0 ? chunk.PayloadElements : 0;
        }

        return chunk.Offset % chunk.Sequence == 0 ? chunk.Offset / chunk.Sequence : 0;
    }
}
