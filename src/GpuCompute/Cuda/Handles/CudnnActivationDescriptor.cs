using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>ReLU activation descriptor (coef unused for RELU). NaN propagates, as torch.relu and the CPU backend do.</summary>
internal sealed class CudnnActivationDescriptor : NativeHandle
{
    private CudnnActivationDescriptor(nint descriptor)
        : base(descriptor)
    {
    }

    public static CudnnActivationDescriptor CreateRelu()
    {
        Check.Cudnn(CudnnApi.cudnnCreateActivationDescriptor(out nint descriptor));
        var created = new CudnnActivationDescriptor(descriptor);
        try
        {
            Check.Cudnn(CudnnApi.cudnnSetActivationDescriptor(descriptor, CudnnActivationMode.Relu, CudnnNanPropagation.Propagate, 0.0));
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    protected override bool Free() => CudnnApi.cudnnDestroyActivationDescriptor(Value) == CudnnStatus.Success;
}
