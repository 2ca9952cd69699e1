namespace CyclicActors.GpuCompute.Cuda;

/// <summary>A cuBLAS call returned something other than CUBLAS_STATUS_SUCCESS.</summary>
public sealed class CublasException : GpuComputeException
{
    internal CublasException(int code, string name, string text, string call)
        : base($"{call} failed: {name} ({code}): {text}")
    {
        Code = code;
        StatusName = name;
        Call = call;
    }

    public int Code { get; }

    public string StatusName { get; }

    public string Call { get; }
}
