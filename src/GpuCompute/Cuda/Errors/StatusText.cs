using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// Names and texts for native status codes. The libraries are asked first (cuGetErrorName,
/// cudnnGetErrorString + cudnnGetLastErrorString, cublasGetStatusString); when a library cannot
/// answer (not loaded, or a code it does not know) the enum name in the library's own spelling is
/// used, so an error message is always readable. Pure parts are tested without a GPU.
/// </summary>
internal static class StatusText
{
    public static string CudaName(int code) => code switch
    {
        0 => "CUDA_SUCCESS",
        _ when Enum.IsDefined(typeof(CuResult), code) => "CUDA_ERROR_" + ToUpperSnake(((CuResult)code).ToString()),
        _ => $"CUDA_ERROR_{code}",
    };

    public static string CudnnName(int code) =>
        Enum.IsDefined(typeof(CudnnStatus), code) ? "CUDNN_STATUS_" + ToUpperSnake(((CudnnStatus)code).ToString()) : $"CUDNN_STATUS_{code}";

    public static string CublasName(int code) =>
        Enum.IsDefined(typeof(CublasStatus), code) ? "CUBLAS_STATUS_" + ToUpperSnake(((CublasStatus)code).ToString()) : $"CUBLAS_STATUS_{code}";

    /// <summary>"OutOfMemory" → "OUT_OF_MEMORY"; "Success" → "SUCCESS" (CUDA_SUCCESS is special-cased by callers).</summary>
    public static string ToUpperSnake(string pascal)
    {
        var builder = new System.Text.StringBuilder(pascal.Length + 8);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (i > 0 && char.IsUpper(c) && (char.IsLower(pascal[i - 1]) || char.IsDigit(pascal[i - 1])))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        return builder.ToString();
    }

    public static unsafe string CudaDescribe(CuResult result, out string name)
    {
        name = CudaName((int)result);
        string text = "(no description)";
        try
        {
            if (CudaDriverApi.cuGetErrorName(result, out byte* namePtr) == CuResult.Success && namePtr != null)
            {
                name = new string((sbyte*)namePtr);
            }

            if (CudaDriverApi.cuGetErrorString(result, out byte* textPtr) == CuResult.Success && textPtr != null)
            {
                text = new string((sbyte*)textPtr);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // The driver itself is what failed to load; the enum name is all we have.
        }

        return text;
    }

    public static unsafe string CudnnDescribe(CudnnStatus status, out string name)
    {
        name = CudnnName((int)status);
        string text = "(no description)";
        try
        {
            byte* known = CudnnApi.cudnnGetErrorString(status);
            if (known != null)
            {
                text = new string((sbyte*)known);
            }

            // cuDNN 9 keeps a per-thread message with the detail (which parameter, which limit).
            byte* buffer = stackalloc byte[1024];
            buffer[0] = 0;
            CudnnApi.cudnnGetLastErrorString(buffer, 1024);
            string last = new((sbyte*)buffer);
            if (last.Length > 0)
            {
                text = $"{text}; last error: {last}";
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }

        return text;
    }

    public static unsafe string CublasDescribe(CublasStatus status, out string name)
    {
        name = CublasName((int)status);
        string text = "(no description)";
        try
        {
            byte* known = CublasApi.cublasGetStatusString(status);
            if (known != null)
            {
                text = new string((sbyte*)known);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }

        return text;
    }
}
