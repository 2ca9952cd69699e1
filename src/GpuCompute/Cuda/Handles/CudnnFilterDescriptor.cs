using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>A KCRS float filter descriptor (NCHW format = PyTorch's [out, in, kh, kw]).</summary>
internal sealed class CudnnFilterDescriptor : NativeHandle
{
    private CudnnFilterDescriptor(nint descriptor)
        : base(descriptor)
    {
    }

    public static CudnnFilterDescriptor Create(int k, int c, int h, int w)
    {
        Check.Cudnn(CudnnApi.cudnnCreateFilterDescriptor(out nint descriptor));
        var created = new CudnnFilterDescriptor(descriptor);
        try
        {
            Check.Cudnn(CudnnApi.cudnnSetFilter4dDescriptor(descriptor, CudnnDataType.Float, CudnnTensorFormat.Nchw, k, c, h, w));
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    protected override bool Free() => CudnnApi.cudnnDestroyFilterDescriptor(Value) == CudnnStatus.Success;
}
