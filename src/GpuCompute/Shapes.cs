namespace CyclicActors.GpuCompute;

/// <summary>Per-sample tensor shape in CHW order; dense features are (F, 1, 1).</summary>
public readonly record struct Shape3(int Channels, int Height, int Width)
{
    public int Elements => Channels * Height * Width;

    public static Shape3 Features(int count) => new(count, 1, 1);

    public override string ToString() => Height == 1 && Width == 1 ? $"{Channels}" : $"{Channels}x{Height}x{Width}";
}

/// <summary>
/// NCHW cross-correlation with square stride and symmetric zero padding, PyTorch's Conv2d.
/// Weights are [OutChannels, InChannels, KernelH, KernelW]; bias is [OutChannels].
/// </summary>
public readonly record struct Conv2dShape(
    int Batch, int InChannels, int Height, int Width,
    int OutChannels, int KernelH, int KernelW, int Stride, int Padding)
{
    public int OutHeight => ((Height + (2 * Padding) - KernelH) / Stride) + 1;

    public int OutWidth => ((Width + (2 * Padding) - KernelW) / Stride) + 1;

    public long InputElements => (long)Batch * InChannels * Height * Width;

    public long OutputElements => (long)Batch * OutChannels * OutHeight * OutWidth;

    public long WeightElements => (long)OutChannels * InChannels * KernelH * KernelW;

    /// <summary>Rows of the im2col matrix: InChannels·KernelH·KernelW.</summary>
    public int PatchSize => InChannels * KernelH * KernelW;

    public void Validate()
    {
        if (Batch <= 0 || InChannels <= 0 || Height <= 0 || Width <= 0 || OutChannels <= 0 ||
            KernelH <= 0 || KernelW <= 0 || Stride <= 0 || Padding < 0 || OutHeight <= 0 || OutWidth <= 0)
        {
            throw new ArgumentException($"Invalid convolution shape {this}.");
        }
    }
}

/// <summary>NCHW max-pooling with a square window, stride and no padding (PyTorch's MaxPool2d default).</summary>
public readonly record struct Pool2dShape(int Batch, int Channels, int Height, int Width, int Window, int Stride)
{
    public int OutHeight => ((Height - Window) / Stride) + 1;

    public int OutWidth => ((Width - Window) / Stride) + 1;

    public long InputElements => (long)Batch * Channels * Height * Width;

    public long OutputElements => (long)Batch * Channels * OutHeight * OutWidth;

    public void Validate()
    {
        if (Batch <= 0 || Channels <= 0 || Height <= 0 || Width <= 0 || Window <= 0 || Stride <= 0 || OutHeight <= 0 || OutWidth <= 0)
        {
            throw new ArgumentException($"Invalid pooling shape {this}.");
        }
    }
}

/// <summary>SGD hyper-parameters with PyTorch's semantics (dampening 0, no Nesterov).</summary>
public readonly record struct SgdHyperParameters(float LearningRate, float Momentum, float WeightDecay);
