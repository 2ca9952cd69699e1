namespace CyclicActors.GpuCompute.Cuda.Loading;

/// <summary>What happened when one candidate path was handed to the dynamic loader.</summary>
internal readonly record struct LoadAttempt(bool Loaded, nint Handle, string Error)
{
    public static LoadAttempt Success(nint handle) => new(true, handle, string.Empty);

    public static LoadAttempt Failure(string error) => new(false, 0, error);
}
