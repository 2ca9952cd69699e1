using System.Runtime.InteropServices;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Tests.Transport;

/// <summary>The read-straight-into-the-tensor path a dedicated channel uses.</summary>
public sealed class ReserveCommitTests
{
    [Fact]
    public void Reserved_destinations_are_the_chunks_place_in_the_tensor()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(seed);
            var tensor = TransportTestData.Tensor(random, random.Next(1, 3000));
            var chunks = TransportTestData.Shuffled(random, TransportTestData.Chunks(seed, tensor, random.Next(1, 500)));
            var pool = new CountingPool();
            using var table = new TensorReassemblyTable(pool, maxElements: 3000, maxActiveTransfers: 1);

            ReassemblyStep last = default;
            foreach (var chunk in chunks)
            {
                var header = ChunkHeader.Of(chunk);
                Assert.True(table.TryReserve(header, out var destination, out _));
                Assert.Equal(chunk.Payload.Length, destination.Length);
                chunk.Payload.CopyTo(destination); // what a socket read does
                last = table.Commit(header);
            }

            using var result = last.Tensor!;
            Assert.True(TransportTestData.BitwiseEqual(tensor, result.Span));
            Assert.Equal(chunks.Length, table.ReceivedChunks);
        }
    }

    [Fact]
    public void Refused_headers_give_no_destination_and_count_towards_the_ack()
    {
        using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 100, maxActiveTransfers: 1);
        var chunks = TransportTestData.Chunks(1, new float[8], 4);
        var first = ChunkHeader.Of(chunks[0]);
        Assert.True(table.TryReserve(first, out _, out _));
        table.Commit(first);

        Assert.False(table.TryReserve(first, out var duplicate, out var refusal));
        Assert.True(duplicate.IsEmpty);
        Assert.Equal(ChunkOutcome.Duplicate, refusal.Result.Outcome);
        Assert.False(table.TryReserve(first with { PayloadBytes = 3 }, out _, out var malformed));
        Assert.Equal(ChunkOutcome.Rejected, malformed.Result.Outcome);
        Assert.Equal(3, table.ReceivedChunks);
    }

    [Fact]
    public void Committing_what_was_not_reserved_is_a_programming_error()
    {
        using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 100, maxActiveTransfers: 1);
        var chunks = TransportTestData.Chunks(1, new float[8], 4);
        Assert.Throws<InvalidOperationException>(() => table.Commit(ChunkHeader.Of(chunks[0])));
        var header = ChunkHeader.Of(chunks[0]);
        table.TryReserve(header, out _, out _);
        table.Commit(header);
        Assert.Throws<InvalidOperationException>(() => table.Commit(header));
    }

    [Fact]
    public void The_destination_is_the_pooled_buffer_itself()
    {
        var pool = new CountingPool();
        using var table = new TensorReassemblyTable(pool, maxElements: 100, maxActiveTransfers: 1);
        var header = ChunkHeader.Of(TransportTestData.Chunks(1, new float[4], 4)[0]);
        table.TryReserve(header, out var destination, out _);
        MemoryMarshal.Cast<byte, float>(destination.Span)[2] = 42f;
        using var tensor = table.Commit(header).Tensor!;
        Assert.Equal(42f, tensor.Span[2]);
    }
}
