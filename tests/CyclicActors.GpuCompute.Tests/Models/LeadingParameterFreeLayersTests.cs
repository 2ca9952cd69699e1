using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Models;

/// <summary>
/// The backward pass stops at the first layer with parameters (the mlp's leading Flatten gets no
/// gradient, and the first Linear computes no input gradient), also when the parameter-free layers
/// form a stage of their own.
/// </summary>
public sealed class LeadingParameterFreeLayersTests
{
    [Fact]
    public void Mlp_gradients_are_the_same_with_the_flatten_in_its_own_stage()
    {
        var model = ModelPresets.Create("mlp");
        Assert.Equal(0, model.Layers[0].ParameterElements);
        var single = Gradients(model, new StagePartition([model.Layers.Count], model.Layers.Count));
        var split = Gradients(model, new StagePartition([1, model.Layers.Count - 1], model.Layers.Count));
        Assert.Equal(single, split);
        Assert.Contains(single, g => g != 0);
    }

    [Fact]
    public void First_layer_with_parameters_is_found()
    {
        var mlp = ModelPresets.Create("mlp");
        var cnn = ModelPresets.Create("cnn");
        using var backend = new CpuBackend();
        using var mlpReplica = new ModelReplica(mlp, new StagePartition([mlp.Layers.Count], mlp.Layers.Count), backend);
        using var cnnReplica = new ModelReplica(cnn, new StagePartition([cnn.Layers.Count], cnn.Layers.Count), backend);
        Assert.Equal(1, mlpReplica.FirstLayerWithParameters);
        Assert.Equal(0, cnnReplica.FirstLayerWithParameters);
    }

    private static float[] Gradients(ModelDefinition model, StagePartition partition)
    {
        using var backend = new CpuBackend();
        using var replica = new ModelReplica(model, partition, backend);
        replica.SetAllParameters(ParameterInitializer.Initialize(model, replica.Layout, seed: 3));
        var gradients = ReplicaPass.Gradients(replica, backend, 1, 4, 9);
        Assert.Equal(0, backend.Ledger.LiveBytes(MemoryTag.Activations));
        Assert.Equal(0, backend.Ledger.LiveBytes(MemoryTag.Workspace));
        return gradients;
    }
}
