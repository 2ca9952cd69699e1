using CyclicActors.GpuCompute.Data;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Data;

public sealed class DataOrderTests
{
    [Fact]
    public void Steps_per_epoch_drop_the_remainder()
    {
        var order = new DataOrder(seed: 1, datasetSize: 8_000, microBatch: 32, workers: 3);
        Assert.Equal(96, order.GlobalBatch);
        Assert.Equal(83, order.StepsPerEpoch); // 8000 / 96 = 83.3
        Assert.Throws<ArgumentException>(() => new DataOrder(1, datasetSize: 10, microBatch: 4, workers: 3));
    }

    [Fact]
    public void Same_seed_gives_the_same_indices()
    {
        var a = new DataOrder(seed: 7, datasetSize: 1_000, microBatch: 16, workers: 4);
        var b = new DataOrder(seed: 7, datasetSize: 1_000, microBatch: 16, workers: 4);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            for (var rank = 0; rank < 4; rank++)
            {
                Assert.Equal(a.SampleIndices(epoch, 5, rank).ToArray(), b.SampleIndices(epoch, 5, rank).ToArray());
            }
        }

        var otherSeed = new DataOrder(seed: 8, datasetSize: 1_000, microBatch: 16, workers: 4);
        Assert.NotEqual(a.SampleIndices(0, 0, 0).ToArray(), otherSeed.SampleIndices(0, 0, 0).ToArray());
    }

    [Fact]
    public void Indices_are_pinned()
    {
        // Same permutation as DeterministicRandomTests.Shuffle_is_a_pinned_permutation: epoch e uses Derive(seed, e).
        var order = new DataOrder(seed: 123, datasetSize: 10, microBatch: 2, workers: 2);
        Assert.Equal([6, 7, 8, 3, 5, 0, 2, 9, 4, 1], order.Permutation(0).ToArray());
        Assert.Equal([5, 0], order.SampleIndices(1 - 1, 1, 0).ToArray());
        Assert.Equal([2, 9], order.SampleIndices(0, 1, 1).ToArray());
        Assert.Equal([3, 1, 6, 4, 8, 2, 7, 9, 5, 0], order.Permutation(1).ToArray());
    }

    [Fact]
    public void Each_epoch_is_a_permutation_and_epochs_differ()
    {
        var order = new DataOrder(seed: 3, datasetSize: 500, microBatch: 10, workers: 2);
        var epoch0 = order.Permutation(0).ToArray();
        var epoch1 = order.Permutation(1).ToArray();

        Assert.Equal(Enumerable.Range(0, 500), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, 500), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(epoch0, order.Permutation(0).ToArray()); // recomputed after the cache moved on
    }

    [Fact]
    public void Ranks_and_steps_partition_the_epoch_without_overlap()
    {
        var order = new DataOrder(seed: 11, datasetSize: 1_003, microBatch: 8, workers: 5);
        var seen = new HashSet<int>();
        for (var step = 0; step < order.StepsPerEpoch; step++)
        {
            for (var rank = 0; rank < order.Workers; rank++)
            {
                var indices = order.SampleIndices(2, step, rank);
                Assert.Equal(8, indices.Length);
                foreach (var index in indices)
                {
                    Assert.True(seen.Add(index), $"sample {index} used twice in one epoch");
                }
            }
        }

        Assert.Equal(order.StepsPerEpoch * order.GlobalBatch, seen.Count);
        Assert.Equal(order.Permutation(2)[..seen.Count].ToArray().Order(), seen.Order());
    }

    [Fact]
    public void Global_batch_k_is_the_kth_slice_of_the_permutation()
    {
        var order = new DataOrder(seed: 5, datasetSize: 100, microBatch: 3, workers: 4);
        var permutation = order.Permutation(4).ToArray();
        for (var rank = 0; rank < 4; rank++)
        {
            Assert.Equal(permutation.AsSpan((6 * 12) + (rank * 3), 3).ToArray(), order.SampleIndices(4, 6, rank).ToArray());
        }
    }

    [Fact]
    public void Positions_convert_and_advance()
    {
        var order = new DataOrder(seed: 5, datasetSize: 100, microBatch: 3, workers: 4); // 8 steps per epoch
        Assert.Equal(new DataPosition(2, 3), order.PositionOf(19));
        Assert.Equal(19, order.GlobalStepOf(new DataPosition(2, 3)));
        Assert.Equal(new DataPosition(1, 0), order.Next(new DataPosition(0, 7)));
        Assert.Equal(new DataPosition(0, 1), order.Next(new DataPosition(0, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => order.SampleIndices(0, 8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => order.SampleIndices(0, 0, 4));
    }
}
