namespace CyclicActors.Actors.Schedule;

/// <summary>The CLI spellings of <see cref="UpdateRule"/> and <see cref="V2FreshnessRule"/>.</summary>
public static class UpdateRuleNames
{
    private static readonly (string Name, UpdateRule Rule)[] Rules =
    [
        ("dp", UpdateRule.Dp),
        ("cdp-v1", UpdateRule.CdpV1),
        ("cdp-v2", UpdateRule.CdpV2),
    ];

    private static readonly (string Name, V2FreshnessRule Rule)[] FreshnessRules =
    [
        ("schedule", V2FreshnessRule.Schedule),
        ("paper-code", V2FreshnessRule.PaperCode),
    ];

    /// <summary>Parses <c>dp|cdp-v1|cdp-v2</c> (case-insensitive, surrounding blanks ignored).</summary>
    /// <exception cref="ArgumentException">The text is none of the valid values; the message lists them.</exception>
    public static UpdateRule ParseUpdateRule(string text) => Parse(text, Rules, "update rule");

    /// <summary>Parses <c>schedule|paper-code</c> (case-insensitive, surrounding blanks ignored).</summary>
    /// <exception cref="ArgumentException">The text is none of the valid values; the message lists them.</exception>
    public static V2FreshnessRule ParseFreshnessRule(string text) => Parse(text, FreshnessRules, "v2 freshness rule");

    public static string ToCliName(this UpdateRule rule) => NameOf(rule, Rules);

    public static string ToCliName(this V2FreshnessRule rule) => NameOf(rule, FreshnessRules);

    private static T Parse<T>(string text, (string Name, T Value)[] table, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var wanted = text.Trim();
        foreach (var (name, value) in table)
        {
            if (string.Equals(name, wanted, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        var valid = string.Join(", ", table.Select(entry => entry.Name));
        throw new ArgumentException($"Unknown {what} '{text}'; valid values: {valid}.", nameof(text));
    }

    private static string NameOf<T>(T value, (string Name, T Value)[] table)
        where T : struct, Enum
    {
        foreach (var (name, candidate) in table)
        {
            if (EqualityComparer<T>.Default.Equals(candidate, value))
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"No CLI name for {typeof(T).Name}.{value}.");
    }
}
