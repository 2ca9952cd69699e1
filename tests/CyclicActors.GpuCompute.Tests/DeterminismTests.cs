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
        // One backend for both runs: the second gets the pool's used arrays back, so a kernel that
        // read its workspace or output before writing it would show up as a difference.
        using var backend = new CpuBackend();
        float[] first = RunConvolution(backend, shape), second = RunConvolution(backend, shape);
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

    [Fact]
    public void ATrainingStepIsBitwiseRepeatable()
    {
        using var backend = new CpuBackend();
        float[] first = RunDenseStep(backend), second = RunDenseStep(backend);
        Assert.True(first.AsSpan().SequenceEqual(second), "two identical training steps differ");
    }

    /// <summary>
    /// Pool → dense → ReLU → softmax-CE, backwards, and an SGD step, on odd sizes that leave
    /// partial GEMM tiles; returns the loss, every gradient and the updated weights.
    /// </summary>
    private static float[] RunDenseStep(CpuBackend backend)
    {
        const int batch = 13, classes = 10;
        var pool = new Pool2dShape(Batch: batch, Channels: 3, Height: 9, Width: 9, Window: 3, Stride: 2);
        int features = (int)(pool.OutputElements / batch);
        using var x = TestData.Upload(backend, TestData.Uniform(1, (int)pool.InputElements));
        using var pooled = backend.Allocate(pool.OutputElements, MemoryTag.Activations);
        using var w = TestData.Upload(backend, TestData.Uniform(2, classes * features), MemoryTag.Parameters);
        using var b = TestData.Upload(backend, TestData.Uniform(3, classes), MemoryTag.Parameters);
        using var logits = backend.Allocate(batch * classes, MemoryTag.Activations);
        using var oneHot = TestData.Upload(backend, Enumerable.Range(0, batch * classes).Select(i => i % (classes + 1) == 0 ? 1f : 0f).ToArray(), MemoryTag.Data);
        using var dlogits = backend.Allocate(batch * classes, MemoryTag.Workspace);
        using var dw = backend.Allocate(classes * features, MemoryTag.Gradients);
        using var db = backend.Allocate(classes, MemoryTag.Gradients);
        using var dpooled = backend.Allocate(pool.OutputElements, MemoryTag.Workspace);
        using var dx = backend.Allocate(pool.InputElements, MemoryTag.Workspace);
        using var velocity = backend.Allocate(classes * features, MemoryTag.OptimizerState);

        backend.MaxPoolForward(x, pooled, pool);
        backend.DenseForward(pooled, w, b, logits, batch, features, classes);
        backend.ReluForward(logits, logits);
        float loss = backend.SoftmaxCrossEntropy(logits, oneHot, dlogits, batch, classes);
        backend.ReluBackward(logits, dlogits, dlogits);
        backend.DenseBackwardParameters(pooled, dlogits, dw, db, batch, features, classes);
        backend.DenseBackwardData(dlogits, w, dpooled, batch, features, classes);
        backend.MaxPoolBackward(x, pooled, dpooled, dx, pool);
        backend.Fill(velocity, 0f);
        backend.SgdStep(w, dw, velocity, new SgdHyperParameters(0.1f, 0.9f, 1e-4f));
        return [loss, .. TestData.Download(backend, dw), .. TestData.Download(backend, db), .. TestData.Download(backend, dx), .. TestData.Download(backend, w)];
    }

    /// <summary>Forward, backward-data and backward-parameters, all outputs concatenated.</summary>
    private static float[] RunConvolution(CpuBackend backend, Conv2dShape shape)
    {
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
