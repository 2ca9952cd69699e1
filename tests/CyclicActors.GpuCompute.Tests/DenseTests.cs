using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class DenseTests
{
    private const int Batch = 3, In = 5, Out = 4;

    [Fact]
    public void ForwardMatchesNaiveReference()
    {
        using var backend = new CpuBackend();
        float[] x = TestData.Uniform(1, Batch * In), w = TestData.Uniform(2, Out * In), b = TestData.Uniform(3, Out);
        float[] y = Forward(backend, x, w, b);
        for (int i = 0; i < Batch; i++)
        {
            for (int o = 0; o < Out; o++)
            {
                double expected = b[o];
                for (int k = 0; k < In; k++)
                {
                    expected += (double)x[(i * In) + k] * w[(o * In) + k];
                }

                Assert.Equal(expected, y[(i * Out) + o], 5);
            }
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        using var backend = new CpuBackend();
        float[] x = TestData.Uniform(11, Batch * In), w = TestData.Uniform(12, Out * In), b = TestData.Uniform(13, Out);
        float[] r = TestData.Uniform(14, Batch * Out);

        using var xBuffer = TestData.Upload(backend, x);
        using var wBuffer = TestData.Upload(backend, w);
        using var dyBuffer = TestData.Upload(backend, r);
        using var dx = backend.Allocate(Batch * In, MemoryTag.Workspace);
        using var dw = backend.Allocate(Out * In, MemoryTag.Gradients);
        using var db = backend.Allocate(Out, MemoryTag.Gradients);
        backend.DenseBackwardData(dyBuffer, wBuffer, dx, Batch, In, Out);
        backend.DenseBackwardParameters(xBuffer, dyBuffer, dw, db, Batch, In, Out);

        GradientCheck.Check("dx", x, TestData.Download(backend, dx), p => TestData.Dot(r, Forward(backend, p, w, b)));
        GradientCheck.Check("dw", w, TestData.Download(backend, dw), p => TestData.Dot(r, Forward(backend, x, p, b)));
        GradientCheck.Check("db", b, TestData.Download(backend, db), p => TestData.Dot(r, Forward(backend, x, w, p)));
    }

    [Fact]
    public void ARowDoesNotDependOnTheRestOfTheBatch()
    {
        using var backend = new CpuBackend();
        const int batch = 37, inFeatures = 301, outFeatures = 67;
        float[] x = TestData.Uniform(21, batch * inFeatures), w = TestData.Uniform(22, outFeatures * inFeatures), b = TestData.Uniform(23, outFeatures);
        float[] whole = Forward(backend, x, w, b, batch, inFeatures, outFeatures);
        for (int i = 0; i < batch; i += 9)
        {
            float[] single = Forward(backend, x.AsSpan(i * inFeatures, inFeatures).ToArray(), w, b, 1, inFeatures, outFeatures);
            Assert.Equal(whole.AsSpan(i * outFeatures, outFeatures).ToArray(), single);
        }
    }

    private static float[] Forward(CpuBackend backend, float[] x, float[] w, float[] b, int batch = Batch, int inFeatures = In, int outFeatures = Out)
    {
        using var xBuffer = TestData.Upload(backend, x);
        using var wBuffer = TestData.Upload(backend, w, MemoryTag.Parameters);
        using var bBuffer = TestData.Upload(backend, b, MemoryTag.Parameters);
        using var y = backend.Allocate(batch * outFeatures, MemoryTag.Activations);
        backend.DenseForward(xBuffer, wBuffer, bBuffer, y, batch, inFeatures, outFeatures);
        return TestData.Download(backend, y);
    }
}
