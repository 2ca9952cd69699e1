using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class DeterminismTests
{
    [Fact]
    public void ConvolutionPassesAreBitwiseRepeatable()
    {
        var shape = new Conv2dShape(Batch: 3, InChannels: 5, Height: 11, Width: 9, OutChannels: 19, KernelH: 3, KernelW: 3, Stride: 1, Padding: 1);
        float[] first = RunConvolution(shape), second = RunConvolution(shape);
        Assert.Equal(first.Length, second.Length);
        Assert.True(first.AsSpan().SequenceEqual(second), "two identical convolution passes differ");
    }

    [Fact]
    public void ConvolutionOfASampleDoesNotDependOnTheBatch()
    {
        var batchShape = new Conv2dShape(Batch: 4, InChannels: 3, Height: 8, Width: 8, OutChannels: 17, KernelH: 3, KernelW: 3, Stride: 1, Padding: 1);
        var singleShape = batchShape with { Batch = 1 };
        using var backend = new CpuBackend();
        float[] x = TestData.Uniform(1, (int)batchShape.InputElements), w = TestData.Uniform(2, (int)batchShape.WeightElements), b = TestData.Uniform(3, 17);
        using var wBuffer = TestData.Upload(backend, w);
        using var bBuffer = TestData.Upload(backend, b);
        using var xBuffer = TestData.Upload(backend, x);
        using var y = backend.Allocate(batchShape.OutputElements, MemoryTag.Activations);
        backend.Conv2dForward(xBuffer, wBuffer, bBuffer, y, batchShape);
        float[] whole = TestData.Download(backend, y);

        int inSample = (int)singleShape.InputElements, outSample = (int)singleShape.OutputElements;
        using var single = backend.Allocate(outSample, MemoryTag.Activations);
        backend.Conv2dForward(xBuffer.Slice(2 * inSample, inSample), wBuffer, bBuffer, single, singleShape);
        Assert.True(whole.AsSpan(2 * outSample, outSample).SequenceEqual(TestData.Download(backend, single)));
    }

    /// <summary>Forward, backward-data and backward-parameters, all outputs concatenated.</summary>
    private static float[] RunConvolution(Conv2dShape shape)
    {
        using var backend = new CpuBackend();
        using var x = TestData.Upload(backend, TestData.Uniform(1, (int)shape.InputElements));
        using var w = TestData.Upload(backend, TestData.Uniform(2, (int)shape.WeightElements), MemoryTag.Parameters);
        using var b = TestData.Upload(backend, TestData.Uniform(3, shape.OutChannels), MemoryTag.Parameters);
        using var dy = TestData.Upload(backend, TestData.Uniform(4, (int)shape.OutputElements));
        using var y = backend.Allocate(shape.OutputElements, MemoryTag.Activations);
        using var dx = backend.Allocate(shape.InputElements, MemoryTag.Workspace);
        using var dw = backend.Allocate(shape.WeightElements, MemoryTag.Gradients);
        using var db = backend.Allocate(shape.OutChannels, MemoryTag.Gradients);
        backend.Conv2dForward(x, w, b, y, shape);
        backend.Conv2dBackwardData(dy, w, dx, shape);
        backend.Conv2dBackwardParameters(x, dy, dw, db, shape);
        return [.. TestData.Download(backend, y), .. TestData.Download(backend, dx), .. TestData.Download(backend, dw), .. TestData.Download(backend, db)];
    }
}
