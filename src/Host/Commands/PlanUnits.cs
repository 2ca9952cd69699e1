using System.Globalization;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>The units `cyclic plan` reads and prints: bandwidths in bits or bytes per second, durations, lists of counts.</summary>
internal static class PlanUnits
{
    private static readonly (string Suffix, double BytesPerSecond)[] BitRates =
    [
        ("kbit", 1e3 / 8), ("mbit", 1e6 / 8), ("gbit", 1e9 / 8), ("tbit", 1e12 / 8), ("bit", 1.0 / 8),
    ];

    private static readonly (string Suffix, double Seconds)[] Durations = [("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1)];

    /// <summary>"100Mbit", "10gbit", "1.25GB" (bytes per second; "/s" may follow), "0" (unlimited): bytes per second.</summary>
    public static double Bandwidth(string flag, string text)
    {
        var trimmed = text.Trim();
        if (trimmed.EndsWith("/s", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[..^2];
        }

        if (trimmed == "0")
        {
            return 0;
        }

        foreach (var (suffix, factor) in BitRates)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && Number(trimmed[..^suffix.Length]) is { } bits && bits > 0)
            {
                return bits * factor;
            }
        }

        try
        {
            return ByteSize.Parse(trimmed);
        }
        catch (FormatException)
        {
            throw new UsageException($"--{flag} must be a rate such as 100Mbit, 10Gbit, 1.25GB (bytes per second) or 0 (unlimited); got '{text}'");
        }
    }

    /// <summary>"1ms", "250us", "0.5s", "0": seconds.</summary>
    public static double Duration(string flag, string text)
    {
        var trimmed = text.Trim();
        if (trimmed == "0")
        {
            return 0;
        }

        foreach (var (suffix, factor) in Durations)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && Number(trimmed[..^suffix.Length]) is { } value && value >= 0)
            {
                return value * factor;
            }
        }

        throw new UsageException($"--{flag} must be a duration such as 1ms, 250us, 0.5s or 0; got '{text}'");
    }

    /// <summary>"8,16,32": positive integers within [min, max], in the order given, without repeats.</summary>
    public static int[] Counts(string flag, string text, int min, int max)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                throw new UsageException($"--{flag} must list integers between {min} and {max} separated by commas; got '{text}'");
            }

            if (!values.Contains(value))
            {
                values.Add(value);
            }
        }

        return values.Count > 0 ? [.. values] : throw new UsageException($"--{flag} needs at least one value; got '{text}'");
    }

    /// <summary>"12.3 ms", "1.20 s", "85 us".</summary>
    public static string Seconds(double seconds) => seconds switch
    {
        >= 1 => string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} s"),
        >= 1e-3 => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:0.###} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6:0.#} us"),
    };

    /// <summary>"100 Mbit/s", "unlimited".</summary>
    public static string Rate(double bytesPerSecond) => bytesPerSecond <= 0
        ? "unlimited"
        : bytesPerSecond * 8 >= 1e9
            ? string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond * 8 / 1e9:0.###} Gbit/s")
            : string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond * 8 / 1e6:0.###} Mbit/s");

    private static double? Number(string text) =>
        double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
}
