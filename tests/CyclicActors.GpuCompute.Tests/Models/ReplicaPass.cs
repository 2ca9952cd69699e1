using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.GpuCompute.Tests.Models;

/// <summary>One micro-batch of random pixels through every stage of a replica, forward then backward.</summary>
internal static class ReplicaPass
{
    /// <summary>The replica's parameter gradients, in model order, after a pass of <paramref name="labels"/>.Length samples (sample i of class labels[i]).</summary>
    public static float[] Gradients(ModelReplica replica, IComputeBackend backend, params int[] labels)
    {
        int batch = labels.Length;
        var random = new DeterministicRandom(5);
        var pixels = Enumerable.Range(0, batch * replica.Model.InputShape.Elements).Select(_ => random.Uniform(-1f, 1f)).ToArray();
        var oneHot = new float[batch * replica.Model.Classes];
        for (int i = 0; i < batch; i++)
        {
            oneHot[(i * replica.Model.Classes) + labels[i]] = 1;
        }

        using var input = backend.Allocate(pixels.Length, MemoryTag.Data);
        using var oneHotLabels = backend.Allocate(oneHot.Length, MemoryTag.Data);
        backend.Upload(pixels, input);
        backend.Upload(oneHot, oneHotLabels);
        using (var pass = replica.BeginPass(input, oneHotLabels, batch))
        {
            for (int stage = 0; stage < replica.StageCount; stage++)
            {
                pass.Forward(stage);
            }

            for (int stage = replica.StageCount - 1; stage >= 0; stage--)
            {
                pass.Backward(stage);
            }
        }

        var gradients = new float[replica.Layout.TotalSize];
        long offset = 0;
        for (int stage = 0; stage < replica.StageCount; stage++)
        {
            replica.GetStageGradients(stage, gradients.AsSpan((int)offset, (int)replica.Layout.StageSizes[stage]));
            offset += replica.Layout.StageSizes[stage];
        }

        return gradients;
    }
}
