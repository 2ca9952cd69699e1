namespace CyclicActors.Actors.Compensation;

/// <summary>How a stale (worker, stage) op of a CDP rule corrects for its one-step delay (cdp-method.md §9.5).</summary>
public enum DelayCompensation
{
    /// <summary>Use θ_{t−1} as the rule says.</summary>
    None,

    /// <summary>
    /// Use e = θ_{t−1} − η·(μ·v_{t−2} + g_{t−1}^{i,j} + wd·θ_{t−1}), the SGD step the worker's own
    /// previous gradient would take: the mean over workers of e is θ_t.
    /// </summary>
    Lookahead,
}

/// <summary>CLI spellings of <see cref="DelayCompensation"/>: none|lookahead.</summary>
public static class DelayCompensationNames
{
    public static DelayCompensation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "none" => DelayCompensation.None,
            "lookahead" => DelayCompensation.Lookahead,
            _ => throw new ArgumentException($"Unknown delay compensation '{text}'; valid values: none, lookahead.", nameof(text)),
        };
    }

    public static string ToCliName(this DelayCompensation compensation) => compensation switch
    {
        DelayCompensation.None => "none",
        DelayCompensation.Lookahead => "lookahead",
        _ => throw new ArgumentOutOfRangeException(nameof(compensation), compensation, "Unknown delay compensation."),
    };
}
