namespace CyclicActors.GpuCompute.Cuda;

/// <summary>Base of every error raised by the CUDA backend: a failed native call or an unusable setup.</summary>
public abstract class GpuComputeException : Exception
{
    protected GpuComputeException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
