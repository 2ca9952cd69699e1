using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class ConvTests
{
    /// <summary>
    /// Padded and unpadded, strides 1 and 2, non-square kernels, the pointwise (1×1, stride 1)
    /// shortcut and a 1×1 stride-2 one that is not, "same" convolutions (the shifted-plane im2col,
    /// including kernels taller than wide and taps that see only padding) and padding so wide some
    /// kernel taps see only zeros.
    /// </summary>
    public static TheoryData<Conv2dShape> Shapes => new()
    {
        new Conv2dShape(Batch: 2, InChannels: 3, Height: 5, Width: 6, OutChannels: 4, KernelH: 3, KernelW: 3, Stride: 1, Padding: 1),
        new Conv2dShape(Batch: 2, InChannels: 2, Height: 7, Width: 5, OutChannels: 3, KernelH: 3, KernelW: 2, Stride: 2, Padding: 1),
        new Conv2dShape(Batch: 2, InChannels: 4, Height: 4, Width: 4, OutChannels: 5, KernelH: 1, KernelW: 1, Stride: 1, Padding: 0),
        new Conv2dShape(Batch: 2, InChannels: 3, Height: 5, Width: 5, OutChannels: 2, KernelH: 1, KernelW: 1, Stride: 2, Padding: 0),
        new Conv2dShape(Batch: 2, InChannels: 2, Height: 3, Width: 4, OutChannels: 3, KernelH: 3, KernelW: 3, Stride: 2, Padding: 2),
        new Conv2dShape(Batch: 2, InChannels: 2, Height: 6, Width: 7, OutChannels: 3, KernelH: 3, KernelW: 3, Stride: 1, Padding: 0),
        new Conv2dShape(Batch: 2, InChannels: 2, Height: 6, Width: 5, OutChannels: 3, KernelH: 5, KernelW: 3, Stride: 1, Padding: 1),
        new Conv2dShape(Batch: 1, InChannels: 2, Height: 2, Width: 3, OutChannels: 2, KernelH: 5, KernelW: 5, Stride: 1, Padding: 2),
        new Conv2dShape(Batch: 3, InChannels: 1, Height: 6, Width: 6, OutChannels: 2, KernelH: 5, KernelW: 5, Stride: 1, Padding: 2),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardMatchesDirectConvolution(Conv2dShape shape)
    {
        using var backend = new CpuBackend();
        float[] x = TestData.Uniform(1, (int)shape.InputElements), w = TestData.Uniform(2, (int)shape.WeightElements), b = TestData.Uniform(3, shape.OutChannels);
        float[] y = Forward(backend, x, w, b, shape);
        double[] expected = NaiveReference.Conv2d(x, w, b, shape);
        for (int i = 0; i < y.Length; i++)
        {
            // float32 sums of ≤ 75 products of magnitude ≤ 1: round-off ≤ 75·6e-8·|terms| ≪ 1e-4.
            Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"y[{i}]: {y[i]} vs {expected[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GradientsMatchFiniteDifferences(Conv2dShape shape)
    {
        using var backend = new CpuBackend();
        float[] x = TestData.Uniform(11, (int)shape.InputElements), w = TestData.Uniform(12, (int)shape.WeightElements), b = TestData.Uniform(13, shape.OutChannels);
        float[] r = TestData.Uniform(14, (int)shape.OutputElements);

        using var xBuffer = TestData.Upload(backend, x);
        using var wBuffer = TestData.Upload(backend, w, MemoryTag.Parameters);
        using var dyBuffer = TestData.Upload(backend, r);
        using var dx = backend.Allocate(shape.InputElements, MemoryTag.Workspace);
        using var dw = backend.Allocate(shape.WeightElements, MemoryTag.Gradients);
        using var db = backend.Allocate(shape.OutChannels, MemoryTag.Gradients);
        backend.Fill(dx, float.NaN);
        backend.Fill(dw, float.NaN);
        backend.Fill(db, float.NaN);
        backend.Conv2dBackwardData(dyBuffer, wBuffer, dx, shape);
        backend.Conv2dBackwardParameters(xBuffer, dyBuffer, dw, db, shape);

        GradientCheck.Check("dx", x, TestData.Download(backend, dx), p => TestData.Dot(r, Forward(backend, p, w, b, shape)));
        GradientCheck.Check("dw", w, TestData.Download(backend, dw), p => TestData.Dot(r, Forward(backend, x, p, b, shape)));
        GradientCheck.Check("db", b, TestData.Download(backend, db), p => TestData.Dot(r, Forward(backend, x, w, p, shape)));
    }

    private static float[] Forward(CpuBackend backend, float[] x, float[] w, float[] b, Conv2dShape shape)
    {
        using var xBuffer = TestData.Upload(backend, x);
        using var wBuffer = TestData.Upload(backend, w, MemoryTag.Parameters);
        using var bBuffer = TestData.Upload(backend, b, MemoryTag.Parameters);
        using var y = backend.Allocate(shape.OutputElements, MemoryTag.Activations);
        backend.Fill(y, float.NaN);
        backend.Conv2dForward(xBuffer, wBuffer, bBuffer, y, shape);
        return TestData.Download(backend, y);
    }
}
