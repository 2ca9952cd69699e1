using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Models;

/// <summary>
/// Every preset's stage-by-stage backward pass against central differences of its mean
/// cross-entropy, on random (non-zero) inputs. A sample of each parameter tensor is checked
/// (8 elements spread over it), every tensor of every stage.
/// Tolerance: h = 1e-3 on parameters of order 0.1; the loss (~2.3) is computed in float32 with
/// relative round-off ~1e-6 after accumulation, i.e. ~2e-6 absolute, giving ≲ 1e-3 error in the
/// difference quotient; truncation is O(h²) ≈ 1e-6. So |numeric − analytic| ≤ 3e-3 + 3e-2·|analytic|.
/// A wrong index, transpose or missing term gives errors of the order of the gradient itself.
/// </summary>
public sealed class WholeModelGradientTests
{
    [Theory]
    [InlineData("mlp", 1, 28, 28, 4)]
    [InlineData("mlp-deep", 1, 28, 28, 3)]
    [InlineData("cnn", 1, 28, 28, 4)]
    [InlineData("resnet-mini", 1, 28, 28, 4)]
    [InlineData("resnet-mini", 3, 32, 32, 3)]
    public void Stage_backward_matches_finite_differences(string preset, int channels, int height, int width, int stages)
    {
        var model = ModelPresets.Create(preset, new Shape3(channels, height, width));
        var partition = Partitioner.Partition(model, stages, PartitionStrategy.Flops);
        using var backend = new CpuBackend();
        using var replica = new ModelReplica(model, partition, backend);
        var parameters = ParameterInitializer.Initialize(model, replica.Layout, seed: 7);
        replica.SetAllParameters(parameters);

        const int batch = 2;
        var random = new DeterministicRandom(11);
        var pixels = Enumerable.Range(0, batch * model.InputShape.Elements).Select(_ => random.Uniform(-1f, 1f)).ToArray();
        var oneHot = new float[batch * model.Classes];
        oneHot[3] = 1;
        oneHot[model.Classes + 8] = 1;
        using var input = backend.Allocate(pixels.Length, MemoryTag.Data);
        using var labels = backend.Allocate(oneHot.Length, MemoryTag.Data);
        backend.Upload(pixels, input);
        backend.Upload(oneHot, labels);

        float Loss()
        {
            using var pass = replica.BeginPass(input, labels, batch);
            for (int stage = 0; stage < replica.StageCount; stage++)
            {
                pass.Forward(stage);
            }

            return pass.Loss;
        }

        var analytic = new float[replica.Layout.TotalSize];
        using (var pass = replica.BeginPass(input, labels, batch))
        {
            for (int stage = 0; stage < replica.StageCount; stage++)
            {
                pass.Forward(stage);
            }

            for (int stage = replica.StageCount - 1; stage >= 0; stage--)
            {
                pass.Backward(stage);
            }

            Assert.True(pass.IsComplete);
        }

        long offset = 0;
        for (int stage = 0; stage < replica.StageCount; stage++)
        {
            replica.GetStageGradients(stage, analytic.AsSpan((int)offset, (int)replica.Layout.StageSizes[stage]));
            offset += replica.Layout.StageSizes[stage];
        }

        var stageStart = new long[replica.StageCount];
        for (int stage = 1; stage < replica.StageCount; stage++)
        {
            stageStart[stage] = stageStart[stage - 1] + replica.Layout.StageSizes[stage - 1];
        }

        const float h = 1e-3f;
        int nonZero = 0;
        foreach (var slot in replica.Layout.Slots)
        {
            for (int k = 0; k < 8; k++)
            {
                long index = stageStart[slot.Stage] + slot.Offset + (k * (slot.Length - 1) / 7);
                float original = parameters[index];
                parameters[index] = original + h;
                replica.SetAllParameters(parameters);
                double upper = Loss();
                parameters[index] = original - h;
                replica.SetAllParameters(parameters);
                double lower = Loss();
                parameters[index] = original;
                double step = (double)(original + h) - (double)(original - h);
                double numeric = (upper - lower) / step;
                double error = Math.Abs(numeric - analytic[index]);
                double bound = 3e-3 + (3e-2 * Math.Abs(analytic[index]));
                Assert.True(error <= bound, $"{preset} {slot.Name}[{index - stageStart[slot.Stage] - slot.Offset}]: analytic {analytic[index]:G6}, numeric {numeric:G6}");
                if (analytic[index] != 0)
                {
                    nonZero++;
                }
            }
        }

        replica.SetAllParameters(parameters);
        Assert.True(nonZero > replica.Layout.Slots.Count * 4, "too few non-zero gradients were compared");
        Assert.Equal(0, backend.Ledger.LiveBytes(MemoryTag.Activations));
        Assert.Equal(0, backend.Ledger.LiveBytes(MemoryTag.Workspace));
    }
}

public sealed class PresetStepCheckTests
{
    [Fact]
    public void Preset_step_check_passes_cpu_against_cpu_and_fails_on_a_perturbed_candidate()
    {
        using var reference = new CpuBackend();
        using var candidate = new CpuBackend();
        var same = CyclicActors.GpuDiagnostics.PresetStepCheck.Run("cnn", ModelPresets.Mnist, reference, candidate);
        Assert.True(same.Passed, same.Detail);
        Assert.Equal(0, same.MaxRelError);

        using var wrong = new ScaledGradientBackend(new CpuBackend());
        var different = CyclicActors.GpuDiagnostics.PresetStepCheck.Run("mlp", ModelPresets.Mnist, reference, wrong);
        Assert.False(different.Passed);
    }
}
