using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// 2-D cross-correlation (PyTorch's Conv2d), symmetric padding, square stride, no dilation, FP32
/// compute. The math type is set per call (see CudaBackend.Convolution) because forward, backward
/// data and backward filter may each have been planned with a different one.
/// </summary>
internal sealed class CudnnConvolutionDescriptor : NativeHandle
{
    private CudnnConvolutionDescriptor(nint descriptor)
        : base(descriptor)
    {
    }

    public static CudnnConvolutionDescriptor Create(int padding, int stride, CudnnMathType mathType)
    {
        Check.Cudnn(CudnnApi.cudnnCreateConvolutionDescriptor(out nint descriptor));
        var created = new CudnnConvolutionDescriptor(descriptor);
        try
        {
            Check.Cudnn(CudnnApi.cudnnSetConvolution2dDescriptor(descriptor, padding, padding, stride, stride, 1, 1, CudnnConvolutionMode.CrossCorrelation, CudnnDataType.Float));
            created.SetMathType(mathType);
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    public void SetMathType(CudnnMathType mathType) => Check.Cudnn(CudnnApi.cudnnSetConvolutionMathType(Value, mathType));

    protected override bool Free() => CudnnApi.cudnnDestroyConvolutionDescriptor(Value) == CudnnStatus.Success;
}
