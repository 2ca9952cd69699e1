using System.Runtime.InteropServices;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Tests.Transport;

public sealed class TensorChunkerTests
{
    [Theory]
    [InlineData(0, 16)]
    [InlineData(1, 16)]
    [InlineData(100, 16)]
    [InlineData(100, 400)]
    [InlineData(100, 402)]
    [InlineData(100, 1 << 20)]
    public void Chunks_carry_the_header_and_exactly_the_tensor_bytes(int elements, int chunkBytes)
    {
        var tensor = TransportTestData.Tensor(new Random(elements), elements);
        var chunks = TensorChunker.Split(42, new TransferLabel(5, 2, 7), tensor, chunkBytes);

        var joined = new List<byte>();
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            Assert.Equal((42L, 5, 2, 7, i, chunks.Count, elements), (chunk.TransferId, chunk.Step, chunk.Stage, chunk.Rank, chunk.Sequence, chunk.ChunkCount, chunk.TotalElements));
            Assert.Equal(joined.Count / sizeof(float), chunk.Offset);
            Assert.True(chunk.Payload.Length <= chunkBytes, $"chunk {i} has {chunk.Payload.Length} bytes, over {chunkBytes}");
            Assert.Null(ChunkHeaderValidator.Validate(chunk, int.MaxValue, out _));
            joined.AddRange(chunk.Payload.ToArray());
        }

        Assert.Equal(MemoryMarshal.AsBytes(tensor.AsSpan()).ToArray(), joined.ToArray());
    }

    [Fact]
    public void Payloads_are_views_of_the_tensor_not_copies()
    {
        var tensor = new float[10];
        var chunks = TensorChunker.Split(1, new TransferLabel(0, 0, 0), tensor, 16);
        tensor[9] = 1.5f;
        Assert.Equal(1.5f, MemoryMarshal.Cast<byte, float>(chunks[2].Payload.Span)[1]);
    }
}
