using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>The algorithm, workspace size and math type chosen for one direction of one convolution shape.</summary>
internal readonly record struct ConvAlgorithmChoice(int Algorithm, long WorkspaceBytes, CudnnMathType MathType);

/// <summary>Everything a convolution shape needs, planned once and cached by <see cref="Conv2dShape"/>.</summary>
internal sealed record ConvolutionPlan(
    CudnnTensorDescriptor Input,
    CudnnFilterDescriptor Filter,
    CudnnTensorDescriptor Output,
    CudnnTensorDescriptor Bias,
    CudnnConvolutionDescriptor Convolution,
    ConvAlgorithmChoice Forward,
    ConvAlgorithmChoice BackwardData,
    ConvAlgorithmChoice BackwardFilter);
