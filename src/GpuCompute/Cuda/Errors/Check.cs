using System.Runtime.CompilerServices;
using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// Every native status goes through here: success returns, anything else throws a typed exception
/// that names the call exactly as written at the call site (the C# form of llm.c's cudaCheck).
/// </summary>
internal static class Check
{
    public static void Cuda(CuResult result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != CuResult.Success)
        {
            string text = StatusText.CudaDescribe(result, out string name);
            throw new CudaException((int)result, name, text, call);
        }
    }

    public static void Cudnn(CudnnStatus status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CudnnStatus.Success)
        {
            string text = StatusText.CudnnDescribe(status, out string name);
            throw new CudnnException((int)status, name, text, call);
        }
    }

    public static void Cublas(CublasStatus status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CublasStatus.Success)
        {
            string text = StatusText.CublasDescribe(status, out string name);
            throw new CublasException((int)status, name, text, call);
        }
    }
}
