using System.Buffers.Binary;

namespace CyclicActors.Actors.Transport.Channel;

/// <summary>
/// The first 12 bytes a sender writes on a new tensor channel: the token the receiving node
/// handed out over Akka (so a stray or stale connection is refused before any frame is read) and
/// which of the receiver's channels the stream feeds (e.g. gradients or parameters), little-endian.
/// </summary>
public readonly record struct ChannelHello(long Token, int Channel)
{
    public const int Size = sizeof(long) + sizeof(int);

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, Token);
        BinaryPrimitives.WriteInt32LittleEndian(destination[sizeof(long)..], Channel);
    }

    public static ChannelHello Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(source), BinaryPrimitives.ReadInt32LittleEndian(source[sizeof(long)..]));
}
