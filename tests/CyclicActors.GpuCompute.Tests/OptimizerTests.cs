using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

/// <summary>Two steps of torch.optim.SGD(lr=0.1, momentum=μ, weight_decay=0.01) worked by hand, w = [1, −2], g = [0.5, 0.25] both steps.</summary>
public sealed class OptimizerTests
{
    private static readonly float[] InitialWeights = [1f, -2f];
    private static readonly float[] Gradient = [0.5f, 0.25f];

    [Fact]
    public void MomentumStepsMatchPyTorch()
    {
        // Step 1: d = g + 0.01·w = [0.51, 0.23]; v = d; w = [0.949, −2.023].
        // Step 2: d = [0.50949, 0.22977]; v = 0.9·[0.51, 0.23] + d = [0.96849, 0.43677]; w = [0.852151, −2.066677].
        (float[] weights, float[] momentum) = TwoSteps(new SgdHyperParameters(0.1f, 0.9f, 0.01f), momentumStart: 0f);
        AssertClose([0.852151f, -2.066677f], weights);
        AssertClose([0.96849f, 0.43677f], momentum);
    }

    [Fact]
    public void WithoutMomentumTheBufferIsUntouched()
    {
        // Step 1: w = [0.949, −2.023]. Step 2: d = [0.50949, 0.22977]; w = [0.898051, −2.045977].
        (float[] weights, float[] momentum) = TwoSteps(new SgdHyperParameters(0.1f, 0f, 0.01f), momentumStart: 42f);
        AssertClose([0.898051f, -2.045977f], weights);
        Assert.Equal([42f, 42f], momentum);
    }

    [Theory]
    [InlineData(0.9f)]
    [InlineData(0f)]
    public void VectorisedStepsEqualTheScalarFormulaBitwise(float mu)
    {
        // Longer than one 1024-element chunk and not a multiple of any vector width.
        const int length = 2500;
        var hyper = new SgdHyperParameters(0.05f, mu, 5e-4f);
        float[] w = TestData.Uniform(1, length), g = TestData.Uniform(2, length), v = TestData.Uniform(3, length);
        using var backend = new CpuBackend();
        using var weights = TestData.Upload(backend, w, MemoryTag.Parameters);
        using var gradients = TestData.Upload(backend, g, MemoryTag.Gradients);
        using var momentum = TestData.Upload(backend, v, MemoryTag.OptimizerState);
        backend.SgdStep(weights, gradients, momentum, hyper);

        float[] expectedW = (float[])w.Clone(), expectedV = (float[])v.Clone();
        for (int i = 0; i < length; i++)
        {
            float d = g[i] + (hyper.WeightDecay * w[i]);
            if (mu != 0f)
            {
                expectedV[i] = (mu * v[i]) + d;
                d = expectedV[i];
            }

            expectedW[i] = w[i] - (hyper.LearningRate * d);
        }

        Assert.Equal(expectedW, TestData.Download(backend, weights));
        Assert.Equal(expectedV, TestData.Download(backend, momentum));
    }

    private static (float[] Weights, float[] Momentum) TwoSteps(SgdHyperParameters hyper, float momentumStart)
    {
        using var backend = new CpuBackend();
        using var w = TestData.Upload(backend, InitialWeights, MemoryTag.Parameters);
        using var g = TestData.Upload(backend, Gradient, MemoryTag.Gradients);
        using var v = backend.Allocate(2, MemoryTag.OptimizerState);
        backend.Fill(v, momentumStart);
        backend.SgdStep(w, g, v, hyper);
        backend.SgdStep(w, g, v, hyper);
        return (TestData.Download(backend, w), TestData.Download(backend, v));
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            // A few float32 roundings of numbers of order 1: 1e-6 is ~10 ulps.
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f, $"[{i}] expected {expected[i]}, got {actual[i]}");
        }
    }
}
