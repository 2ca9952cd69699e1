using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class ElementwiseTests
{
    [Fact]
    public void ReluGradientMatchesFiniteDifferences()
    {
        using var backend = new CpuBackend();
        const int length = 67;
        float[] x = TestData.AwayFromZero(1, length, gap: 0.05f);
        float[] r = TestData.Uniform(2, length);
        using var xBuffer = TestData.Upload(backend, x);
        using var y = backend.Allocate(length, MemoryTag.Activations);
        using var dy = TestData.Upload(backend, r);
        using var dx = backend.Allocate(length, MemoryTag.Workspace);
        backend.ReluForward(xBuffer, y);
        backend.ReluBackward(y, dy, dx);

        GradientCheck.Check("dx", x, TestData.Download(backend, dx), p => TestData.Dot(r, Relu(backend, p)));
    }

    [Fact]
    public void ReluWorksInPlace()
    {
        using var backend = new CpuBackend();
        float[] x = TestData.Uniform(3, 41);
        float[] r = TestData.Uniform(4, 41);
        using var buffer = TestData.Upload(backend, x);
        using var gradient = TestData.Upload(backend, r);
        backend.ReluForward(buffer, buffer);
        backend.ReluBackward(buffer, gradient, gradient);

        Assert.Equal(x.Select(v => Math.Max(v, 0f)).ToArray(), TestData.Download(backend, buffer));
        Assert.Equal(x.Select((v, i) => v > 0 ? r[i] : 0f).ToArray(), TestData.Download(backend, gradient));
    }

    [Fact]
    public void ReluPropagatesNaNLikeTorch()
    {
        using var backend = new CpuBackend();
        using var buffer = TestData.Upload(backend, [float.NaN, -1f, 2f]);
        backend.ReluForward(buffer, buffer);
        float[] y = TestData.Download(backend, buffer);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal([0f, 2f], y[1..]);
    }

    [Fact]
    public void AxpyAndScaleMatchScalarArithmetic()
    {
        using var backend = new CpuBackend();
        float[] x = TestData.Uniform(5, 37), y = TestData.Uniform(6, 37);
        using var xBuffer = TestData.Upload(backend, x);
        using var yBuffer = TestData.Upload(backend, y);
        backend.Axpy(0.37f, xBuffer, yBuffer);
        Assert.Equal(y.Select((v, i) => v + (0.37f * x[i])).ToArray(), TestData.Download(backend, yBuffer));

        backend.Scale(-1.5f, xBuffer);
        Assert.Equal(x.Select(v => -1.5f * v).ToArray(), TestData.Download(backend, xBuffer));
    }

    private static float[] Relu(CpuBackend backend, float[] x)
    {
        using var xBuffer = TestData.Upload(backend, x);
        using var y = backend.Allocate(x.Length, MemoryTag.Activations);
        backend.ReluForward(xBuffer, y);
        return TestData.Download(backend, y);
    }
}
