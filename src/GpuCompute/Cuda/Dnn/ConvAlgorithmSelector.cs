using CyclicActors.GpuCompute.Cuda.Native;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// Picks a convolution algorithm from cuDNN's heuristic ranking: the first entry that succeeded,
/// whose workspace fits the limit, that is deterministic when asked, and that does not need tensor
/// cores (TF32) when TF32 is not allowed. Pure, so the rule is tested without a GPU.
/// </summary>
internal static class ConvAlgorithmSelector
{
    public static ConvAlgorithmCandidate? Choose(IReadOnlyList<ConvAlgorithmCandidate> ranked, long workspaceLimitBytes, bool requireDeterministic, bool allowTensorOps)
    {
        foreach (ConvAlgorithmCandidate candidate in ranked)
        {
            if (Rejection(candidate, workspaceLimitBytes, requireDeterministic, allowTensorOps) is null)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Why a candidate is unusable, or null when it is acceptable.</summary>
    public static string? Rejection(ConvAlgorithmCandidate candidate, long workspaceLimitBytes, bool requireDeterministic, bool allowTensorOps)
    {
        if (candidate.Status != CudnnStatus.Success)
        {
            return $"status {StatusText.CudnnName((int)candidate.Status)}";
        }

        if (candidate.MemoryBytes > workspaceLimitBytes)
        {
            return $"workspace {candidate.MemoryBytes} B > limit {workspaceLimitBytes} B";
        }

        if (requireDeterministic && candidate.Determinism != CudnnDeterminism.Deterministic)
        {
            return "not deterministic";
        }

        if (!allowTensorOps && candidate.MathType is CudnnMathType.TensorOp or CudnnMathType.TensorOpAllowConversion)
        {
            return $"math type {candidate.MathType} (tensor cores) while TF32 is disabled";
        }

        return null;
    }

    /// <summary>One line per candidate for the error raised when nothing fits.</summary>
    public static string Explain(ConvolutionDirection direction, IReadOnlyList<ConvAlgorithmCandidate> ranked, long workspaceLimitBytes, bool requireDeterministic, bool allowTensorOps)
    {
        if (ranked.Count == 0)
        {
            return $"cuDNN returned no {direction} algorithms";
        }

        var lines = ranked.Select(c => $"  {direction} algo {c.Algorithm}: {Rejection(c, workspaceLimitBytes, requireDeterministic, allowTensorOps) ?? "ok"}");
        return $"no usable {direction} algorithm:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}
