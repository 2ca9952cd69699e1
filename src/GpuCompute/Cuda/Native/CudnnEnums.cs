namespace CyclicActors.GpuCompute.Cuda.Native;

// Values transcribed from the cuDNN 9 headers (cudnn_graph.h, cudnn_ops.h, cudnn_cnn.h).
// All are C enums, i.e. 32-bit ints in the ABI.

internal enum CudnnDataType
{
    Float = 0,
    Double = 1,
    Half = 2,
}

internal enum CudnnTensorFormat
{
    Nchw = 0,
    Nhwc = 1,
}

/// <summary>FMA keeps FP32 convolutions in FP32; DEFAULT lets Ampere/Hopper use TF32 tensor cores.</summary>
internal enum CudnnMathType
{
    Default = 0,
    TensorOp = 1,
    TensorOpAllowConversion = 2,
    Fma = 3,
}

internal enum CudnnNanPropagation
{
    NotPropagate = 0,
    Propagate = 1,
}

internal enum CudnnConvolutionMode
{
    Convolution = 0,
    CrossCorrelation = 1,
}

internal enum CudnnActivationMode
{
    Sigmoid = 0,
    Relu = 1,
    Tanh = 2,
    ClippedRelu = 3,
    Elu = 4,
    Identity = 5,
}

internal enum CudnnPoolingMode
{
    Max = 0,
    AverageCountIncludePadding = 1,
    AverageCountExcludePadding = 2,
    MaxDeterministic = 3,
}

internal enum CudnnSoftmaxAlgorithm
{
    Fast = 0,
    Accurate = 1,
    Log = 2,
}

internal enum CudnnSoftmaxMode
{
    Instance = 0,
    Channel = 1,
}

internal enum CudnnDeterminism
{
    NonDeterministic = 0,
    Deterministic = 1,
}

/// <summary>Which of the three convolution algorithm families an algorithm number belongs to.</summary>
internal enum ConvolutionDirection
{
    Forward,
    BackwardData,
    BackwardFilter,
}
