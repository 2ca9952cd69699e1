using CyclicActors.GpuCompute.Models;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Models;

public sealed class PartitionTests
{
    [Fact]
    public void Cnn_by_flops_puts_each_weighted_layer_in_its_own_stage()
    {
        // conv1+ReLU+pool | conv2+ReLU+pool+flatten | fc1+ReLU | fc2, as the note's simulation split it.
        var model = ModelPresets.Create("cnn");
        Assert.Equal([3, 4, 2, 1], Partitioner.Partition(model, 4, PartitionStrategy.Flops).LayersPerStage);
    }

    [Fact]
    public void Mlp_deep_by_activations_gives_equal_stages()
    {
        var model = ModelPresets.Create("mlp-deep");
        var partition = Partitioner.Partition(model, 4, PartitionStrategy.Activations);
        var perStage = Enumerable.Range(0, 4)
            .Select(s => model.Layers.Take(partition.LayerRange(s)).Sum(l => l.StoredActivationsPerSample))
            .ToArray();
        Assert.Equal([4096L, 4096L, 4096L, 4106L], perStage);
    }

    [Fact]
    public void Balance_is_exact_on_known_cases()
    {
        Assert.Equal([2, 2], Partitioner.Balance([1, 1, 1, 1], 2));
        Assert.Equal([1, 3], Partitioner.Balance([6, 1, 2, 3], 2));
        Assert.Equal([1, 1, 1], Partitioner.Balance([5, 5, 5], 3));
        Assert.Equal([3, 1], Partitioner.Balance([1, 1, 1, 3], 2));
    }

    [Fact]
    public void Explicit_partition_is_checked_against_the_model()
    {
        var model = ModelPresets.Create("cnn");
        Assert.Equal([5, 5], Partitioner.Partition(model, 2, "5,5").LayersPerStage);
        Assert.Contains("cover 9 layers", Assert.Throws<ArgumentException>(() => Partitioner.Partition(model, 2, "5,4")).Message);
        Assert.Contains("3 stages", Assert.Throws<ArgumentException>(() => Partitioner.Partition(model, 2, "3,3,4")).Message);
        Assert.Contains("Unknown partition", Assert.Throws<ArgumentException>(() => Partitioner.Partition(model, 2, "speed")).Message);
    }

    [Fact]
    public void More_stages_than_units_falls_back_to_layers_and_too_many_is_rejected()
    {
        var model = ModelPresets.Create("mlp");
        Assert.Equal(6, Partitioner.Partition(model, 6, PartitionStrategy.Flops).StageCount);
        Assert.Throws<ArgumentException>(() => Partitioner.Partition(model, 7, PartitionStrategy.Flops));
    }

    [Fact]
    public void Layout_puts_tensors_in_model_order_with_pytorch_names_and_shapes()
    {
        var model = ModelPresets.Create("cnn");
        var layout = new ParameterLayout(model, Partitioner.Partition(model, 4, PartitionStrategy.Flops));
        Assert.Equal(["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"], layout.Slots.Select(s => s.Name));
        Assert.Equal([32, 1, 3, 3], layout.Slots[0].Shape);
        Assert.Equal([128, 1600], layout.Slots[4].Shape);
        Assert.Equal(225_034, layout.TotalSize);
        Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3], layout.Slots.Select(s => s.Stage));
    }

    [Fact]
    public void Initialization_is_seeded_and_within_pytorch_bounds()
    {
        var model = ModelPresets.Create("mlp");
        var layout = new ParameterLayout(model, Partitioner.Partition(model, 1, PartitionStrategy.Flops));
        var first = ParameterInitializer.Initialize(model, layout, 3);
        Assert.Equal(first, ParameterInitializer.Initialize(model, layout, 3));
        Assert.NotEqual(first, ParameterInitializer.Initialize(model, layout, 4));
        float bound = 1f / MathF.Sqrt(784);
        var firstWeights = first.AsSpan(0, 256 * 784).ToArray();
        Assert.All(firstWeights, w => Assert.InRange(w, -bound, bound));
        Assert.True(firstWeights.Max() > 0.9f * bound && firstWeights.Min() < -0.9f * bound);
    }
}
