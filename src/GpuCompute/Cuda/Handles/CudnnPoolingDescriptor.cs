using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// Max pooling with a square window and stride and no padding (PyTorch's MaxPool2d default). cuDNN
/// computes the output size as 1 + (H − window)/stride, floored, like <see cref="Pool2dShape"/>.
/// A NaN in a window makes the output NaN, as in torch and the CPU backend.
/// </summary>
internal sealed class CudnnPoolingDescriptor : NativeHandle
{
    private CudnnPoolingDescriptor(nint descriptor)
        : base(descriptor)
    {
    }

    public static CudnnPoolingDescriptor CreateMax(int window, int stride)
    {
        Check.Cudnn(CudnnApi.cudnnCreatePoolingDescriptor(out nint descriptor));
        var created = new CudnnPoolingDescriptor(descriptor);
        try
        {
            Check.Cudnn(CudnnApi.cudnnSetPooling2dDescriptor(descriptor, CudnnPoolingMode.Max, CudnnNanPropagation.Propagate, window, window, 0, 0, stride, stride));
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    protected override bool Free() => CudnnApi.cudnnDestroyPoolingDescriptor(Value) == CudnnStatus.Success;
}
