using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.GpuDiagnostics;

/// <summary>
/// One full training step of a model preset (4 stages: every stage's forward, loss, every stage's
/// backward, one SGD step) on two backends from the same parameters and micro-batch, comparing
/// all gradients; the loss and the updated parameters are checked too and reported in the detail.
/// Tolerance: gradients pass through up to ~12 layers of convolutions and GEMMs, each within
/// <see cref="Tolerances.Convolution"/> of the CPU; errors compound roughly additively, so 5e-3 of
/// the mean magnitude. The loss, a mean of logs, must agree within 1e-4 relative.
/// </summary>
internal static class PresetStepCheck
{
    public const double GradientTolerance = 5e-3;
    public const double LossTolerance = 1e-4;

    public static IEnumerable<(string Name, Func<IComputeBackend, IComputeBackend, CheckResult> Check)> All() =>
    [
        ("training step mlp", (cpu, gpu) => Run("mlp", ModelPresets.Mnist, cpu, gpu)),
        ("training step mlp-deep", (cpu, gpu) => Run("mlp-deep", ModelPresets.Mnist, cpu, gpu)),
        ("training step cnn", (cpu, gpu) => Run("cnn", ModelPresets.Mnist, cpu, gpu)),
        ("training step resnet-mini 1x28x28", (cpu, gpu) => Run("resnet-mini", ModelPresets.Mnist, cpu, gpu)),
        ("training step resnet-mini 3x32x32", (cpu, gpu) => Run("resnet-mini", new Shape3(3, 32, 32), cpu, gpu)),
    ];

    public static CheckResult Run(string preset, Shape3 input, IComputeBackend reference, IComputeBackend candidate, int batch = 8)
    {
        var model = ModelPresets.Create(preset, input);
        var partition = Partitioner.Partition(model, 4, PartitionStrategy.Flops);
        var layout = new ParameterLayout(model, partition);
        var parameters = ParameterInitializer.Initialize(model, layout, seed: 3);
        var random = new DeterministicRandom(17);
        var pixels = Enumerable.Range(0, batch * input.Elements).Select(_ => random.Uniform(-1.5f, 1.5f)).ToArray();
        var oneHot = new float[batch * model.Classes];
        for (int i = 0; i < batch; i++)
        {
            oneHot[(i * model.Classes) + random.NextInt(model.Classes)] = 1;
        }

        var (lossA, gradientsA, updatedA) = Step(model, partition, reference, parameters, pixels, oneHot, batch);
        var (lossB, gradientsB, updatedB) = Step(model, partition, candidate, parameters, pixels, oneHot, batch);

        var gradients = ErrorMeasure.Compare($"training step {preset}", $"{input} B{batch}, stages {partition}", gradientsA, gradientsB, GradientTolerance);
        var updated = ErrorMeasure.Compare("updated parameters", "-", updatedA, updatedB, GradientTolerance);
        double lossError = Math.Abs(lossA - lossB) / Math.Max(Math.Abs(lossA), 1e-12);
        bool passed = gradients.Passed && updated.Passed && lossError <= LossTolerance;
        string detail = $"loss {lossA:G6} vs {lossB:G6} (rel {lossError:E1}); updated parameters max rel {updated.MaxRelError:E1}; {gradients.Detail}".TrimEnd(' ', ';');
        return gradients with { Passed = passed, Detail = detail };
    }

    private static (float Loss, float[] Gradients, float[] Updated) Step(
        ModelDefinition model, StagePartition partition, IComputeBackend backend, float[] parameters, float[] pixels, float[] oneHot, int batch)
    {
        using var replica = new ModelReplica(model, partition, backend);
        replica.SetAllParameters(parameters);
        using var input = backend.Allocate(pixels.Length, MemoryTag.Data);
        using var labels = backend.Allocate(oneHot.Length, MemoryTag.Data);
        backend.Upload(pixels, input);
        backend.Upload(oneHot, labels);
        float loss;
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

            loss = pass.Loss;
        }

        var gradients = new float[replica.Layout.TotalSize];
        long offset = 0;
        for (int stage = 0; stage < replica.StageCount; stage++)
        {
            replica.GetStageGradients(stage, gradients.AsSpan((int)offset, (int)replica.Layout.StageSizes[stage]));
            offset += replica.Layout.StageSizes[stage];
        }

        for (int stage = 0; stage < replica.StageCount; stage++)
        {
            using var momentum = backend.Allocate(replica.Layout.StageSizes[stage], MemoryTag.OptimizerState);
            backend.Fill(momentum, 0f);
            backend.SgdStep(replica.StageParameters(stage), replica.StageGradients(stage), momentum, new SgdHyperParameters(0.05f, 0.9f, 5e-4f));
        }

        return (loss, gradients, replica.GetAllParameters());
    }
}
