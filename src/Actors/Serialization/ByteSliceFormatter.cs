using MessagePack;
using MessagePack.Formatters;

namespace CyclicActors.Actors.Serialization;

/// <summary>
/// Reads a bin blob as a slice of the input instead of copying it. Akka.Remote hands the
/// serializer a fresh byte[] per message and never reuses it, so the slice stays valid for as long
/// as the message lives; a chunk payload is then copied exactly once, into the reassembly buffer.
/// </summary>
public sealed class ByteSliceFormatter : IMessagePackFormatter<ReadOnlyMemory<byte>>
{
    public static readonly ByteSliceFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ReadOnlyMemory<byte> value, MessagePackSerializerOptions options) =>
        writer.Write(value.Span);

    public ReadOnlyMemory<byte> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        var bytes = reader.ReadBytes() ?? throw new MessagePackSerializationException("Expected a bin blob, found nil.");
        return bytes.IsSingleSegment ? bytes.First : new ReadOnlyMemory<byte>(System.Buffers.BuffersExtensions.ToArray(bytes));
    }
}
