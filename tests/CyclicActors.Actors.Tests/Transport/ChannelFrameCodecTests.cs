using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;

namespace CyclicActors.Actors.Tests.Transport;

public sealed class ChannelFrameCodecTests
{
    private static readonly ChunkHeader Header = new(long.MinValue + 7, 11, 2, 3, 4, 9, 4096, 35000, 4096 * 4);

    [Fact]
    public void A_header_round_trips_through_44_little_endian_bytes()
    {
        var bytes = new byte[ChannelFrameCodec.HeaderSize];
        ChannelFrameCodec.Write(Header, bytes);
        Assert.Equal([0x43, 0x59, 0x54, 0x31], bytes[..4]); // "CYT1"
        Assert.Equal(Header, ChannelFrameCodec.Read(bytes, 1 << 20, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void Wrong_magic_short_input_and_oversized_or_negative_payloads_are_refused()
    {
        var bytes = new byte[ChannelFrameCodec.HeaderSize];
        ChannelFrameCodec.Write(Header, bytes);
        var wrongMagic = bytes.ToArray();
        wrongMagic[0] ^= 0xFF;

        Assert.Null(ChannelFrameCodec.Read(wrongMagic, 1 << 20, out var magicError));
        Assert.Contains("lost its framing", magicError);
        Assert.Null(ChannelFrameCodec.Read(bytes.AsSpan(0, 43), 1 << 20, out var shortError));
        Assert.Contains("needs 44 bytes", shortError);
        Assert.Null(ChannelFrameCodec.Read(bytes, 4096 * 4 - 1, out var sizeError));
        Assert.Contains("allows 0..16383", sizeError);

        ChannelFrameCodec.Write(Header with { PayloadBytes = -4 }, bytes);
        Assert.Null(ChannelFrameCodec.Read(bytes, 1 << 20, out var negativeError));
        Assert.Contains("-4 payload bytes", negativeError);
    }
}
