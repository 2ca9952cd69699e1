namespace CyclicActors.Actors.Pacing;

/// <summary>CLI spellings of <see cref="PacingMode"/>: none|tick|budget.</summary>
public static class PacingModeNames
{
    public static PacingMode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "none" => PacingMode.None,
            "tick" => PacingMode.Tick,
            "budget" => PacingMode.Budget,
            _ => throw new ArgumentException($"Unknown pacing '{text}'; valid values: none, tick, budget.", nameof(text)),
        };
    }

    public static string ToCliName(this PacingMode mode) => mode switch
    {
        PacingMode.None => "none",
        PacingMode.Tick => "tick",
        PacingMode.Budget => "budget",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown pacing mode."),
    };
}
