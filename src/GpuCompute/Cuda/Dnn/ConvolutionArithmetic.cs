namespace CyclicActors.GpuCompute.Cuda;

/// <summary>Size arithmetic shared by the convolution plan and its tests.</summary>
internal static class ConvolutionArithmetic
{
    /// <summary>cuDNN's output size (cudnnGetConvolution2dForwardOutputDim): 1 + (in + 2·pad − ((filter − 1)·dilation + 1)) / stride.</summary>
    public static int CudnnOutputSize(int input, int filter, int padding, int stride, int dilation = 1) =>
        1 + ((input + (2 * padding) - (((filter - 1) * dilation) + 1)) / stride);

    /// <summary>Float elements needed to hold a workspace of <paramref name="bytes"/> bytes (allocations are in floats).</summary>
    public static long WorkspaceFloats(long bytes) => (bytes + sizeof(float) - 1) / sizeof(float);
}
