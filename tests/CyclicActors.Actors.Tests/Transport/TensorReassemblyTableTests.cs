using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Tests.Transport;

public sealed class TensorReassemblyTableTests
{
    [Fact]
    public void Interleaved_transfers_each_complete_once_with_their_own_label_and_bits()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(seed);
            var tensors = Enumerable.Range(0, 4).Select(_ => TransportTestData.Tensor(random, random.Next(0, 1500))).ToArray();
            var chunks = tensors.SelectMany((tensor, id) => TransportTestData.Chunks(id, tensor, random.Next(1, 200), step: id, stage: id + 1, rank: id + 2));
            var arrivals = TransportTestData.Shuffled(random, chunks);
            var pool = new CountingPool();
            using var table = new TensorReassemblyTable(pool, maxElements: 2000, maxActiveTransfers: 4);

            var completed = new Dictionary<int, float[]>();
            foreach (var chunk in arrivals)
            {
                var step = table.Accept(chunk);
                Assert.NotEqual(ChunkOutcome.Rejected, step.Result.Outcome);
                if (step.Tensor is { } tensor)
                {
                    Assert.Equal(ChunkOutcome.Completed, step.Result.Outcome);
                    Assert.Equal(new TransferLabel(step.Label.Step, step.Label.Step + 1, step.Label.Step + 2), step.Label);
                    completed.Add(step.Label.Step, tensor.ToArray());
                    tensor.Dispose();
                }
            }

            Assert.Equal(4, completed.Count);
            Assert.All(Enumerable.Range(0, 4), id => Assert.True(TransportTestData.BitwiseEqual(tensors[id], completed[id])));
            Assert.Equal(arrivals.Length, table.ReceivedChunks);
            Assert.Equal(0, table.ActiveTransfers);
            Assert.Equal(0, pool.Outstanding);
        }
    }

    [Fact]
    public void A_late_duplicate_of_a_completed_transfer_starts_no_ghost_transfer()
    {
        var pool = new CountingPool();
        using var table = new TensorReassemblyTable(pool, maxElements: 100, maxActiveTransfers: 2);
        var chunks = TransportTestData.Chunks(7, new float[8], 4);
        table.Accept(chunks[0]);
        table.Accept(chunks[1]).Tensor!.Dispose();

        var late = table.Accept(chunks[0]);
        Assert.Equal(ChunkOutcome.Duplicate, late.Result.Outcome);
        Assert.Contains("after the transfer completed", late.Result.Reason);
        Assert.Equal(0, table.ActiveTransfers);
        Assert.Equal(1, pool.Rents);
        Assert.Equal(3, table.ReceivedChunks);
    }

    [Fact]
    public void Completed_ids_are_forgotten_beyond_the_memory_bound()
    {
        using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 100, maxActiveTransfers: 2, rememberedCompletions: 2);
        for (var id = 0; id < 3; id++)
        {
            table.Accept(TransportTestData.Chunks(id, new float[2], 4)[0]).Tensor!.Dispose();
        }

        // Id 0 is the oldest of three with room for two: a chunk of it is a new transfer again.
        Assert.Equal(ChunkOutcome.Completed, table.Accept(TransportTestData.Chunks(0, new float[2], 4)[0]).Result.Outcome);
        Assert.Equal(ChunkOutcome.Duplicate, table.Accept(TransportTestData.Chunks(2, new float[2], 4)[0]).Result.Outcome);
    }

    [Fact]
    public void Transfers_beyond_the_concurrency_limit_are_rejected_and_rent_nothing()
    {
        var pool = new CountingPool();
        using var table = new TensorReassemblyTable(pool, maxElements: 100, maxActiveTransfers: 2);
        table.Accept(TransportTestData.Chunks(1, new float[8], 4)[0]);
        table.Accept(TransportTestData.Chunks(2, new float[8], 4)[0]);

        var third = table.Accept(TransportTestData.Chunks(3, new float[8], 4)[0]);
        Assert.Equal(ChunkOutcome.Rejected, third.Result.Outcome);
        Assert.Contains("limit of 2", third.Result.Reason);
        Assert.Equal(2, pool.Rents);
    }

    [Fact]
    public void An_oversized_header_is_rejected_before_any_buffer_is_rented()
    {
        var pool = new CountingPool();
        using var table = new TensorReassemblyTable(pool, maxElements: 100, maxActiveTransfers: 2);
        var hostile = new TensorChunk(1, 0, 0, 0, 0, 1, 0, int.MaxValue, new byte[4]);
        Assert.Equal(ChunkOutcome.Rejected, table.Accept(hostile).Result.Outcome);
        Assert.Equal(0, pool.Rents);
        Assert.Equal(0, table.ActiveTransfers);
    }

    [Fact]
    public void Abandoning_a_transfer_names_its_gaps_and_returns_its_buffer()
    {
        var pool = new CountingPool();
        var table = new TensorReassemblyTable(pool, maxElements: 100, maxActiveTransfers: 2);
        var chunks = TransportTestData.Chunks(5, new float[12], 4);
        table.Accept(chunks[1]);
        table.Accept(TransportTestData.Chunks(6, new float[12], 4)[2]);

        Assert.Equal(["transfer 6 (step 3, stage 1, rank 2) is missing 2 of 3 chunks: 0, 1."], table.DescribeIncomplete().Where(line => line.Contains("transfer 6")));
        Assert.Equal("transfer 5 (step 3, stage 1, rank 2) is missing 2 of 3 chunks: 0, 2.", table.Abandon(5));
        Assert.Null(table.Abandon(5));
        Assert.Equal(1, pool.Returns);
        table.Dispose();
        Assert.Equal((2, 2, 0), (pool.Rents, pool.Returns, pool.Outstanding));
    }
}
