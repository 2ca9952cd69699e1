using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>A packed NCHW float tensor descriptor (host-side object; no context needed).</summary>
internal sealed class CudnnTensorDescriptor : NativeHandle
{
    private CudnnTensorDescriptor(nint descriptor)
        : base(descriptor)
    {
    }

    public static CudnnTensorDescriptor Create(int n, int c, int h, int w)
    {
        Check.Cudnn(CudnnApi.cudnnCreateTensorDescriptor(out nint descriptor));
        var created = new CudnnTensorDescriptor(descriptor);
        try
        {
            Check.Cudnn(CudnnApi.cudnnSetTensor4dDescriptor(descriptor, CudnnTensorFormat.Nchw, CudnnDataType.Float, n, c, h, w));
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    protected override bool Free() => CudnnApi.cudnnDestroyTensorDescriptor(Value) == CudnnStatus.Success;
}
