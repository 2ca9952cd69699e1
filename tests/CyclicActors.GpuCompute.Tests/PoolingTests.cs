using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class PoolingTests
{
    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(3, 1)]
    public void GradientMatchesFiniteDifferences(int window, int stride)
    {
        var shape = new Pool2dShape(Batch: 2, Channels: 2, Height: 7, Width: 6, Window: window, Stride: stride);
        using var backend = new CpuBackend();

        // Distinct values 0.05 apart: a ±0.01 step can never change which element is the maximum.
        int length = (int)shape.InputElements;
        float[] x = Enumerable.Range(0, length).Select(i => (i * 0.05f) - 2f).ToArray();
        new Random(5).Shuffle(x);
        float[] r = TestData.Uniform(6, (int)shape.OutputElements);

        using var xBuffer = TestData.Upload(backend, x);
        using var y = backend.Allocate(shape.OutputElements, MemoryTag.Activations);
        using var dy = TestData.Upload(backend, r);
        using var dx = backend.Allocate(shape.InputElements, MemoryTag.Workspace);
        backend.Fill(dx, float.NaN);
        backend.MaxPoolForward(xBuffer, y, shape);
        backend.MaxPoolBackward(xBuffer, y, dy, dx, shape);

        GradientCheck.Check("dx", x, TestData.Download(backend, dx), p => TestData.Dot(r, Forward(backend, p, shape)));
    }

    [Fact]
    public void TiesRouteTheGradientToTheFirstMaximumInRowMajorOrder()
    {
        var shape = new Pool2dShape(Batch: 1, Channels: 1, Height: 2, Width: 6, Window: 2, Stride: 2);
        using var backend = new CpuBackend();

        // Windows: all equal → top-left; [1,3 / 3,0] → top-right; [0,0 / 2,2] → bottom-left.
        float[] x = [5, 5, 1, 3, 0, 0,
                     5, 5, 3, 0, 2, 2];
        using var xBuffer = TestData.Upload(backend, x);
        using var y = backend.Allocate(shape.OutputElements, MemoryTag.Activations);
        using var dy = TestData.Upload(backend, [10f, 20f, 30f]);
        using var dx = backend.Allocate(shape.InputElements, MemoryTag.Workspace);
        backend.MaxPoolForward(xBuffer, y, shape);
        backend.MaxPoolBackward(xBuffer, y, dy, dx, shape);

        Assert.Equal([5f, 3f, 2f], TestData.Download(backend, y));
        Assert.Equal([10f, 0, 0, 20f, 0, 0, 0, 0, 0, 0, 30f, 0], TestData.Download(backend, dx));
    }

    [Fact]
    public void NaNPropagatesAndTakesTheGradientAsInTorch()
    {
        // aten/src/ATen/native/cpu/MaxPoolKernel.cpp updates on (val > maxval) || isnan(val): a NaN
        // beats any number and a later NaN beats an earlier one.
        var shape = new Pool2dShape(Batch: 1, Channels: 1, Height: 2, Width: 4, Window: 2, Stride: 2);
        using var backend = new CpuBackend();
        float[] x = [1f, float.NaN, 9f, 2f,
                     float.NaN, 0f, 9f, 9f];
        using var xBuffer = TestData.Upload(backend, x);
        using var y = backend.Allocate(shape.OutputElements, MemoryTag.Activations);
        using var dy = TestData.Upload(backend, [10f, 20f]);
        using var dx = backend.Allocate(shape.InputElements, MemoryTag.Workspace);
        backend.MaxPoolForward(xBuffer, y, shape);
        backend.MaxPoolBackward(xBuffer, y, dy, dx, shape);

        float[] pooled = TestData.Download(backend, y);
        Assert.True(float.IsNaN(pooled[0]));
        Assert.Equal(9f, pooled[1]);
        Assert.Equal([0f, 0, 20f, 0, 10f, 0, 0, 0], TestData.Download(backend, dx));
    }

    /// <summary>
    /// Planes wide enough for the 16-window AVX-512 path plus a scalar tail (odd and even widths),
    /// and an overlapping window for contrast. Values come from a small set with repeats, ±0 and
    /// NaN, so ties, signed zeros and NaN routing are all exercised; results must match bit for bit.
    /// </summary>
    [Theory]
    [InlineData(2, 2, 37)]
    [InlineData(2, 2, 64)]
    [InlineData(2, 2, 34)]
    [InlineData(3, 2, 40)]
    public void MatchesTheReferenceBitwiseOnTiesZerosAndNaNs(int window, int stride, int width)
    {
        var shape = new Pool2dShape(Batch: 2, Channels: 3, Height: 7, Width: width, Window: window, Stride: stride);
        float[] palette = [0f, -0f, 1f, 1f, 2f, -3f, float.NaN];
        var random = new Random(width);
        float[] x = Enumerable.Range(0, (int)shape.InputElements).Select(_ => palette[random.Next(palette.Length)]).ToArray();
        float[] r = Enumerable.Range(0, (int)shape.OutputElements).Select(_ => random.Next(3) == 0 ? -0f : random.NextSingle() - 0.5f).ToArray();
        (float[] expectedY, float[] expectedDx) = NaiveReference.MaxPool(x, r, shape);

        using var backend = new CpuBackend();
        using var xBuffer = TestData.Upload(backend, x);
        using var y = backend.Allocate(shape.OutputElements, MemoryTag.Activations);
        using var dy = TestData.Upload(backend, r);
        using var dx = backend.Allocate(shape.InputElements, MemoryTag.Workspace);
        backend.Fill(dx, float.NaN);
        backend.MaxPoolForward(xBuffer, y, shape);
        backend.MaxPoolBackward(xBuffer, y, dy, dx, shape);

        AssertBitwiseEqual(expectedY, TestData.Download(backend, y), "y");
        AssertBitwiseEqual(expectedDx, TestData.Download(backend, dx), "dx");
    }

    private static void AssertBitwiseEqual(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: expected {expected[i]} ({BitConverter.SingleToInt32Bits(expected[i]):X8}), got {actual[i]} ({BitConverter.SingleToInt32Bits(actual[i]):X8})");
        }
    }

    private static float[] Forward(CpuBackend backend, float[] x, Pool2dShape shape)
    {
        using var xBuffer = TestData.Upload(backend, x);
        using var y = backend.Allocate(shape.OutputElements, MemoryTag.Activations);
        backend.MaxPoolForward(xBuffer, y, shape);
        return TestData.Download(backend, y);
    }
}
