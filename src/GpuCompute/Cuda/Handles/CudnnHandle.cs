using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>A cuDNN library context bound to one stream; created after the CUDA context is current.</summary>
internal sealed class CudnnHandle : ContextBoundHandle
{
    private CudnnHandle(nint handle, nint context)
        : base(handle, context)
    {
    }

    public static CudnnHandle Create(nint context, CudaStreamHandle stream)
    {
        Check.Cudnn(CudnnApi.cudnnCreate(out nint handle));
        var created = new CudnnHandle(handle, context);
        try
        {
            Check.Cudnn(CudnnApi.cudnnSetStream(handle, stream.Value));
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    protected override bool FreeInContext() => CudnnApi.cudnnDestroy(Value) == CudnnStatus.Success;
}
