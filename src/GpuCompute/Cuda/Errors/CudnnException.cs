namespace CyclicActors.GpuCompute.Cuda;

/// <summary>A cuDNN call returned something other than CUDNN_STATUS_SUCCESS.</summary>
public sealed class CudnnException : GpuComputeException
{
    internal CudnnException(int code, string name, string text, string call)
        : base($"{call} failed: {name} ({code}): {text}")
    {
        Code = code;
        StatusName = name;
        Call = call;
    }

    /// <summary>The raw cuDNN 9 <c>cudnnStatus_t</c> (categories in thousands).</summary>
    public int Code { get; }

    public string StatusName { get; }

    public string Call { get; }
}
