using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>ReLU activation descriptor (coef unused for RELU; NaN not propagated, as max(x, 0) on the CPU).</summary>
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
            Check.Cudnn(CudnnApi.cudnnSetActivationDescriptor(descriptor, CudnnActivationMode.Relu, CudnnNanPropagation.NotPropagate, 0.0));
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
