using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Tests.Transport;

public sealed class TensorReassemblerTests
{
    private const int MaxElements = 1 << 20;

    [Fact]
    public void Any_arrival_order_completes_exactly_once_with_the_original_bits()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var tensor = TransportTestData.Tensor(random, random.Next(0, 4000));
            var chunks = TransportTestData.Shuffled(random, TransportTestData.Chunks(seed, tensor, random.Next(1, 600)));
            var pool = new CountingPool();

            using var reassembler = TensorReassembler.Start(chunks[0], MaxElements, pool, out var first)!;
            var outcomes = new List<ChunkOutcome> { first.Outcome };
            outcomes.AddRange(chunks.Skip(1).Select(chunk => reassembler.Accept(chunk).Outcome));

            Assert.Equal(ChunkOutcome.Completed, outcomes[^1]);
            Assert.All(outcomes.SkipLast(1), outcome => Assert.Equal(ChunkOutcome.Accepted, outcome));
            using (var result = reassembler.TakeTensor())
            {
                Assert.True(TransportTestData.BitwiseEqual(tensor, result.Span), $"seed {seed}: bits differ");
            }

            Assert.Equal((1, 1, 0), (pool.Rents, pool.Returns, pool.Outstanding));
        }
    }

    [Fact]
    public void Duplicates_anywhere_are_reported_and_do_not_disturb_the_result()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var tensor = TransportTestData.Tensor(random, random.Next(1, 2000));
            var chunks = TransportTestData.Chunks(seed, tensor, random.Next(1, 300));
            var duplicated = chunks.Concat(chunks.Where(_ => random.Next(3) == 0));
            var arrivals = TransportTestData.Shuffled(random, duplicated);
            var pool = new CountingPool();

            using var reassembler = TensorReassembler.Start(arrivals[0], MaxElements, pool, out var first)!;
            var results = new List<ChunkResult> { first };
            results.AddRange(arrivals.Skip(1).Select(reassembler.Accept));

            Assert.Single(results, result => result.Outcome == ChunkOutcome.Completed);
            Assert.Equal(arrivals.Length - chunks.Length, results.Count(result => result.Outcome == ChunkOutcome.Duplicate));
            Assert.All(results.Where(result => result.Outcome == ChunkOutcome.Duplicate), result => Assert.Contains("transfer " + seed, result.Reason));
            using var tensorOut = reassembler.TakeTensor();
            Assert.True(TransportTestData.BitwiseEqual(tensor, tensorOut.Span), $"seed {seed}: bits differ");
        }
    }

    [Fact]
    public void A_missing_chunk_is_named_and_the_tensor_cannot_be_taken()
    {
        var random = new Random(5);
        var chunks = TransportTestData.Chunks(8, TransportTestData.Tensor(random, 100), 10);
        var pool = new CountingPool();
        var reassembler = TensorReassembler.Start(chunks[0], MaxElements, pool, out _)!;
        foreach (var chunk in chunks.Skip(1).Where(chunk => chunk.Sequence is not (4 or 7)))
        {
            Assert.Equal(ChunkOutcome.Accepted, reassembler.Accept(chunk).Outcome);
        }

        Assert.False(reassembler.IsComplete);
        Assert.Equal([4, 7], reassembler.MissingSequences());
        Assert.Equal("transfer 8 (step 3, stage 1, rank 2) is missing 2 of 10 chunks: 4, 7.", reassembler.DescribeGaps());
        var error = Assert.Throws<InvalidOperationException>(reassembler.TakeTensor);
        Assert.Contains("missing 2 of 10", error.Message);

        reassembler.Dispose();
        Assert.Equal((1, 1), (pool.Rents, pool.Returns));
    }

    [Fact]
    public void Chunks_inconsistent_with_the_transfer_are_rejected_without_writing()
    {
        var tensor = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();
        var chunks = TransportTestData.Chunks(1, tensor, 5);
        using var reassembler = TensorReassembler.Start(chunks[0], MaxElements, new CountingPool(), out _)!;

        var otherStep = reassembler.Accept(chunks[1] with { Step = 4, Payload = new byte[20] });
        var otherTotal = reassembler.Accept(TransportTestData.Chunks(1, new float[25], 5)[1]);
        var otherChunkSize = reassembler.Accept(TransportTestData.Chunks(1, new float[20], 4)[1]);
        var otherTransfer = reassembler.Accept(chunks[1] with { TransferId = 2 });
        var malformed = reassembler.Accept(chunks[1] with { Payload = new byte[19] });

        Assert.All([otherStep, otherTotal, otherChunkSize, otherTransfer, malformed], result => Assert.Equal(ChunkOutcome.Rejected, result.Outcome));
        Assert.Contains("describes step 4", otherStep.Reason);
        Assert.Contains("25 elements", otherTotal.Reason);
        Assert.Contains("chunks of 4", otherChunkSize.Reason);
        Assert.Contains("belongs to transfer 2", otherTransfer.Reason);
        Assert.Contains("not a whole number", malformed.Reason);

        foreach (var chunk in chunks.Skip(1))
        {
            reassembler.Accept(chunk);
        }

        using var result = reassembler.TakeTensor();
        Assert.Equal(tensor, result.ToArray());
    }

    [Fact]
    public void A_malformed_first_chunk_starts_nothing_and_rents_nothing()
    {
        var pool = new CountingPool();
        var chunk = TransportTestData.Chunks(1, new float[8], 4)[0] with { TotalElements = MaxElements + 1 };
        Assert.Null(TensorReassembler.Start(chunk, MaxElements, pool, out var result));
        Assert.Equal(ChunkOutcome.Rejected, result.Outcome);
        Assert.Equal(0, pool.Rents);
    }

    [Fact]
    public void The_tensor_is_handed_out_once_and_returned_to_the_pool_once()
    {
        var pool = new CountingPool();
        var chunks = TransportTestData.Chunks(3, new float[6], 4);
        var reassembler = TensorReassembler.Start(chunks[0], MaxElements, pool, out _)!;
        Assert.Equal(ChunkOutcome.Completed, reassembler.Accept(chunks[1]).Outcome);

        var tensor = reassembler.TakeTensor();
        Assert.Throws<InvalidOperationException>(reassembler.TakeTensor);
        Assert.Equal(ChunkOutcome.Duplicate, reassembler.Accept(chunks[1]).Outcome);
        reassembler.Dispose();
        Assert.Equal(0, pool.Returns);

        Assert.Equal(6, tensor.Length);
        tensor.Dispose();
        tensor.Dispose();
        Assert.Equal((1, 1, 0), (pool.Rents, pool.Returns, pool.Outstanding));
        Assert.Throws<ObjectDisposedException>(() => tensor.Span.Length);
    }

    [Fact]
    public void An_empty_tensor_is_one_empty_chunk_that_completes()
    {
        var chunks = TransportTestData.Chunks(4, [], 4);
        var only = Assert.Single(chunks);
        using var reassembler = TensorReassembler.Start(only, MaxElements, new CountingPool(), out var result)!;
        Assert.Equal(ChunkOutcome.Completed, result.Outcome);
        using var tensor = reassembler.TakeTensor();
        Assert.Equal(0, tensor.Length);
    }
}
