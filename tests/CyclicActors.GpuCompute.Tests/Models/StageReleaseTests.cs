using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Models;

/// <summary>
/// The ZeRO placement gives a stage's parameter buffer back between its backward and its next forward:
/// the device bytes really go, and a stage set again computes exactly what it did before.
/// </summary>
public sealed class StageReleaseTests
{
    [Fact]
    public void A_released_stage_frees_its_bytes_and_once_set_again_gives_the_same_gradients()
    {
        var model = ModelPresets.Create("mlp");
        var partition = Partitioner.Partition(model, 3, "flops");
        using var backend = new CpuBackend();
        using var replica = new ModelReplica(model, partition, backend);
        var initial = ParameterInitializer.Initialize(model, replica.Layout, seed: 3);
        replica.SetAllParameters(initial);
        var before = ReplicaPass.Gradients(replica, backend, 3, 7);
        long whole = backend.Ledger.LiveBytes(MemoryTag.Parameters);

        var stage1 = initial.AsSpan((int)replica.Layout.StageSizes[0], (int)replica.Layout.StageSizes[1]).ToArray();
        replica.ReleaseStageParameters(1);
        Assert.False(replica.HoldsStageParameters(1));
        Assert.Equal(whole - (replica.Layout.StageSizes[1] * sizeof(float)), backend.Ledger.LiveBytes(MemoryTag.Parameters));
        Assert.Throws<InvalidOperationException>(() => replica.StageParameters(1));

        replica.SetStageParameters(1, stage1);
        Assert.Equal(whole, backend.Ledger.LiveBytes(MemoryTag.Parameters));
        Assert.Equal(before, ReplicaPass.Gradients(replica, backend, 3, 7));
    }
}
