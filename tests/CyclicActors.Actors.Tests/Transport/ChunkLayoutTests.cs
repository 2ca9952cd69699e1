using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Tests.Transport;

public sealed class ChunkLayoutTests
{
    public static TheoryData<int, int> Shapes() => new()
    {
        { 0, 1 }, { 0, 7 }, { 1, 1 }, { 1, 8 }, { 7, 7 }, { 8, 7 }, { 13, 7 }, { 14, 7 }, { 15, 7 },
        { 1000, 1 }, { 1000, 999 }, { 1000, 1000 }, { 1000, 1001 }, { 262_144 * 3 + 5, 262_144 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Chunks_tile_the_tensor_in_order_without_gaps_or_overlap(int total, int chunkElements)
    {
        var layout = new ChunkLayout(total, chunkElements);
        var next = 0;
        for (var sequence = 0; sequence < layout.ChunkCount; sequence++)
        {
            Assert.Equal(next, layout.OffsetOf(sequence));
            var length = layout.LengthOf(sequence);
            Assert.InRange(length, total == 0 ? 0 : 1, chunkElements);
            if (sequence < layout.ChunkCount - 1)
            {
                Assert.Equal(chunkElements, length);
            }

            next += length;
        }

        Assert.Equal(total, next);
        Assert.Equal(Math.Max(1, (total + chunkElements - 1) / chunkElements), layout.ChunkCount);
    }

    [Fact]
    public void Chunk_bytes_become_whole_floats_rounded_down()
    {
        Assert.Equal(262_144, ChunkLayout.ForChunkBytes(10, 1 << 20).ChunkElements);
        Assert.Equal(2, ChunkLayout.ForChunkBytes(10, 11).ChunkElements);
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkLayout.ForChunkBytes(10, 3));
    }

    [Fact]
    public void Invalid_shapes_and_sequences_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkLayout(-1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkLayout(4, 0));
        var layout = new ChunkLayout(10, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.OffsetOf(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.LengthOf(-1));
    }
}
