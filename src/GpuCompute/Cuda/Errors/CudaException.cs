namespace CyclicActors.GpuCompute.Cuda;

/// <summary>A CUDA driver API call returned something other than CUDA_SUCCESS.</summary>
public sealed class CudaException : GpuComputeException
{
    internal CudaException(int code, string name, string text, string call)
        : base($"{call} failed: {name} ({code}): {text}")
    {
        Code = code;
        StatusName = name;
        Call = call;
    }

    /// <summary>The raw <c>CUresult</c>.</summary>
    public int Code { get; }

    public string StatusName { get; }

    /// <summary>The failing call expression as written in the source.</summary>
    public string Call { get; }

    public bool IsOutOfMemory => Code == 2;
}
