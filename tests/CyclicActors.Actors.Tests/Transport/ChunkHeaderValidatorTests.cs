using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Tests.Transport;

public sealed class ChunkHeaderValidatorTests
{
    // A valid chunk 1 of 3 of a 10-element tensor in chunks of 4: elements 4..8.
    private static readonly TensorChunk Valid = new(9, 1, 0, 2, 1, 3, 4, 10, new byte[16]);

    public static TheoryData<string, TensorChunk, string> Malformed() => new()
    {
        { "negative step", Valid with { Step = -1 }, "negative step" },
        { "negative rank", Valid with { Rank = -3 }, "negative step" },
        { "no chunks", Valid with { ChunkCount = 0 }, "chunk count 0" },
        { "sequence past the count", Valid with { Sequence = 3 }, "sequence is outside" },
        { "negative sequence", Valid with { Sequence = -1 }, "sequence is outside" },
        { "total over the limit", Valid with { TotalElements = 1001 }, "outside 0..1000" },
        { "negative total", Valid with { TotalElements = -1 }, "outside 0..1000" },
        { "partial float", Valid with { Payload = new byte[15] }, "not a whole number" },
        { "past the end", Valid with { Offset = 8 }, "do not fit a tensor" },
        { "negative offset", Valid with { Offset = -4 }, "do not fit a tensor" },
        { "offset not a multiple of the sequence", Valid with { Sequence = 2, Offset = 7, Payload = new byte[12] }, "imply no valid chunk size" },
        { "short middle chunk", Valid with { Payload = new byte[12] }, "do not fit 3 chunks" },
        { "count does not fit total", Valid with { ChunkCount = 4, Sequence = 1 }, "do not fit 4 chunks" },
        { "last chunk too short", Valid with { Sequence = 2, Offset = 8, Payload = new byte[4] }, "do not fit 3 chunks" },
        { "first chunk not at zero", Valid with { Sequence = 0, Offset = 4 }, "imply no valid chunk size" },
        { "single chunk shorter than total", Valid with { Sequence = 0, ChunkCount = 1, Offset = 0 }, "do not fit 1 chunks" },
    };

    [Fact]
    public void The_reference_chunk_is_valid()
    {
        Assert.Null(ChunkHeaderValidator.Validate(Valid, 1000, out var layout));
        Assert.Equal(new ChunkLayout(10, 4), layout);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_headers_are_rejected_with_a_reason(string because, TensorChunk chunk, string expectedReason)
    {
        var reason = ChunkHeaderValidator.Validate(chunk, 1000, out _);
        Assert.True(reason is not null, because);
        Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
        Assert.Contains("transfer 9", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_chunk_the_chunker_makes_is_valid_and_infers_the_same_layout()
    {
        var random = new Random(17);
        for (var trial = 0; trial < 300; trial++)
        {
            var total = random.Next(0, 3000);
            var chunkElements = random.Next(1, 400);
            foreach (var chunk in TransportTestData.Chunks(trial, new float[total], chunkElements))
            {
                Assert.Null(ChunkHeaderValidator.Validate(chunk, total, out var layout));
                Assert.Equal(chunk.ChunkCount, layout.ChunkCount);
                if (chunk.ChunkCount > 1)
                {
                    Assert.Equal(new ChunkLayout(total, chunkElements), layout);
                }
            }
        }
    }
}
