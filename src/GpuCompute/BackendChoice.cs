namespace CyclicActors.GpuCompute;

/// <summary>Which compute backend to use: CUDA when it works (auto), always CPU, or CUDA or fail.</summary>
public enum BackendChoice
{
    Auto,
    Cpu,
    Cuda,
}

public static class BackendChoices
{
    /// <summary>The environment variable that overrides the configured choice (gpu-bindings.md §6).</summary>
    public const string EnvironmentVariable = "GPUCOMPUTE_BACKEND";

    /// <summary>"auto" | "cpu" | "cuda" (case-insensitive); null or empty means auto.</summary>
    public static BackendChoice Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => BackendChoice.Auto,
        "cpu" => BackendChoice.Cpu,
        "cuda" or "gpu" => BackendChoice.Cuda,
        _ => throw new ArgumentException($"Unknown backend '{text}'; expected auto, cpu or cuda."),
    };

    /// <summary><see cref="EnvironmentVariable"/> if set, else <paramref name="configured"/>.</summary>
    public static BackendChoice FromEnvironment(BackendChoice configured = BackendChoice.Auto)
    {
        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(value) ? configured : Parse(value);
    }
}
