namespace CyclicActors.GpuCompute;

/// <summary>
/// Base of every error raised by a device backend: a failed native call or an unusable setup. It lives
/// outside the Cuda namespace so that callers can catch it without depending on CUDA.
/// </summary>
public abstract class GpuComputeException : Exception
{
    protected GpuComputeException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
