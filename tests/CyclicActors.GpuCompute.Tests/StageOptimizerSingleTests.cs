using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

/// <summary>One worker: SGD straight from the gradient equals folding it first, bit for bit.</summary>
public sealed class StageOptimizerSingleTests
{
    [Fact]
    public void ApplySingle_is_bitwise_Accumulate_then_Apply()
    {
        const int length = 2500;
        var random = new DeterministicRandom(9);
        var initial = Enumerable.Range(0, length).Select(_ => random.Uniform(-1f, 1f)).ToArray();
        var gradientSteps = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, length).Select(_ => random.Uniform(-1f, 1f)).ToArray()).ToArray();
        var hyper = new SgdHyperParameters(0.05f, 0.9f, 1e-4f);

        float[] Run(bool single)
        {
            using var backend = new CpuBackend();
            using var optimizer = new StageOptimizer(backend, length, workers: 1);
            using var weights = TestData.Upload(backend, initial, MemoryTag.Parameters);
            using var gradient = backend.Allocate(length, MemoryTag.Gradients);
            foreach (var g in gradientSteps)
            {
                backend.Upload(g, gradient);
                if (single)
                {
                    optimizer.ApplySingle(weights, gradient, hyper);
                }
                else
                {
                    optimizer.Accumulate(0, gradient);
                    optimizer.Apply(weights, hyper);
                }
            }

            var result = new float[length];
            backend.Download(weights, result);
            return result;
        }

        Assert.Equal(Run(single: false), Run(single: true));
    }

    [Fact]
    public void ApplySingle_refuses_several_workers()
    {
        using var backend = new CpuBackend();
        using var optimizer = new StageOptimizer(backend, 4, workers: 2);
        using var weights = backend.Allocate(4, MemoryTag.Parameters);
        Assert.Throws<InvalidOperationException>(() => optimizer.ApplySingle(weights, weights, new SgdHyperParameters(0.1f, 0.9f, 0f)));
    }
}
