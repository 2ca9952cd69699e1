using System.Buffers.Binary;

namespace CyclicActors.Actors.Transport.Channel;

/// <summary>
/// The fixed 44-byte little-endian header that precedes each chunk payload on a dedicated tensor
/// channel: magic, transfer id, step, stage, rank, sequence, chunk count, offset, total elements,
/// payload bytes. A fixed binary header lets the sender write the payload straight from the
/// tensor to the socket, and the receiver validate the chunk and read its payload straight into
/// the tensor.
/// </summary>
public static class ChannelFrameCodec
{
    public const int HeaderSize = 44;

    /// <summary>"CYT1": catches a peer speaking another protocol or a stream that lost its framing.</summary>
    public const uint Magic = 0x31545943;

    public static void Write(ChunkHeader header, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(destination[4..], header.TransferId);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], header.Step);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], header.Stage);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], header.Rank);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], header.Sequence);
        BinaryPrimitives.WriteInt32LittleEndian(destination[28..], header.ChunkCount);
        BinaryPrimitives.WriteInt32LittleEndian(destination[32..], header.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[36..], header.TotalElements);
        BinaryPrimitives.WriteInt32LittleEndian(destination[40..], header.PayloadBytes);
    }

    /// <summary>
    /// Parses a header; null and a reason when the magic is wrong or the payload size is negative or
    /// above <paramref name="maxPayloadBytes"/> (the rest is the reassembler's to check).
    /// </summary>
    public static ChunkHeader? Read(ReadOnlySpan<byte> source, int maxPayloadBytes, out string? error)
    {
        if (source.Length < HeaderSize)
        {
            error = $"a frame header needs {HeaderSize} bytes, got {source.Length}.";
            return null;
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (magic != Magic)
        {
            error = $"frame magic 0x{magic:X8} is not 0x{Magic:X8}: the peer is not a tensor channel or the stream lost its framing.";
            return null;
        }

        var header = new ChunkHeader(
            BinaryPrimitives.ReadInt64LittleEndian(source[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[24..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[28..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[32..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[36..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[40..]));
        if (header.PayloadBytes < 0 || header.PayloadBytes > maxPayloadBytes)
        {
            error = $"frame of transfer {header.TransferId} announces {header.PayloadBytes} payload bytes; the channel allows 0..{maxPayloadBytes}.";
            return null;
        }

        error = null;
        return header;
    }
}
