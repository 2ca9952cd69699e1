using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class LossTests
{
    [Fact]
    public void GradientMatchesFiniteDifferencesOfTheLoss()
    {
        using var backend = new CpuBackend();
        const int batch = 4, classes = 7;
        float[] logits = TestData.Uniform(1, batch * classes, -3f, 3f);
        float[] oneHot = OneHot(batch, classes, [2, 0, 6, 3]);
        (_, float[] gradient) = Evaluate(backend, logits, oneHot, batch, classes);

        GradientCheck.Check("dlogits", logits, gradient, p => Evaluate(backend, p, oneHot, batch, classes).Loss);
    }

    [Fact]
    public void LossMatchesTheDefinition()
    {
        using var backend = new CpuBackend();
        float[] logits = [1f, 2f, 3f, -1f, 0f, 4f];
        (float loss, float[] gradient) = Evaluate(backend, logits, OneHot(2, 3, [0, 2]), 2, 3);

        double first = -Math.Log(Math.Exp(1) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3)));
        double second = -Math.Log(Math.Exp(4) / (Math.Exp(-1) + Math.Exp(0) + Math.Exp(4)));
        Assert.Equal((first + second) / 2, loss, 6);
        Assert.Equal(((Math.Exp(1) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3))) - 1) / 2, gradient[0], 6);
    }

    [Fact]
    public void LargeLogitsDoNotOverflow()
    {
        using var backend = new CpuBackend();
        float[] logits = [1000f, 0f, -1000f, 1e30f, 1e30f, -1e30f];
        (float loss, float[] gradient) = Evaluate(backend, logits, OneHot(2, 3, [1, 0]), 2, 3);

        // Row 0: loss 1000, softmax ≈ (1, 0, 0). Row 1: two equal winners, loss ln 2.
        Assert.Equal((1000 + Math.Log(2)) / 2, loss, 3);
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
        Assert.Equal([0.5f, -0.5f, 0f, -0.25f, 0.25f, 0f], gradient);
    }

    private static float[] OneHot(int batch, int classes, int[] labels)
    {
        var values = new float[batch * classes];
        for (int i = 0; i < batch; i++)
        {
            values[(i * classes) + labels[i]] = 1f;
        }

        return values;
    }

    private static (float Loss, float[] Gradient) Evaluate(CpuBackend backend, float[] logits, float[] oneHot, int batch, int classes)
    {
        using var logitBuffer = TestData.Upload(backend, logits);
        using var targetBuffer = TestData.Upload(backend, oneHot, MemoryTag.Data);
        using var gradient = backend.Allocate(logits.Length, MemoryTag.Workspace);
        float loss = backend.SoftmaxCrossEntropy(logitBuffer, targetBuffer, gradient, batch, classes);
        return (loss, TestData.Download(backend, gradient));
    }
}
