namespace CyclicActors.GpuCompute;

/// <summary>
/// The CUDA backend was asked for explicitly but cannot run here (no driver, no device, libraries
/// missing or too old). The message holds the probe's reason and its library search trace.
/// </summary>
public sealed class BackendUnavailableException : GpuComputeException
{
    public BackendUnavailableException(string reason, string trace)
        : base(string.IsNullOrEmpty(trace) ? reason : $"{reason}{Environment.NewLine}{trace}")
    {
        Reason = reason;
        Trace = trace;
    }

    public string Reason { get; }

    public string Trace { get; }
}
