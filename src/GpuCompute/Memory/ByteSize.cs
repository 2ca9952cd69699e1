using System.Globalization;

namespace CyclicActors.GpuCompute.Memory;

/// <summary>
/// Byte counts as people write them: 1500000, 512MB, 1.5GB (powers of 1000), 512MiB, 8GiB (powers of
/// 1024), and the short forms 512M, 8G, which mean MiB and GiB as in Docker's and the JVM's flags.
/// </summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("T", 1L << 40), ("B", 1),
    ];

    /// <exception cref="FormatException">Not a positive byte count; the message names the text and the accepted forms.</exception>
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var (suffix, factor) = Units.FirstOrDefault(unit => trimmed.EndsWith(unit.Suffix, StringComparison.OrdinalIgnoreCase) && trimmed.Length > unit.Suffix.Length);
        var number = suffix is null ? trimmed : trimmed[..^suffix.Length].TrimEnd();
        if (suffix is null)
        {
            factor = 1;
        }

        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value <= 0 || double.IsInfinity(value * factor) || value * factor > long.MaxValue || value * factor < 1)
        {
            throw new FormatException($"'{text}' is not a byte count (examples: 1500000, 512MB, 1.5GB, 512MiB, 8GiB, 8G)");
        }

        return (long)(value * factor);
    }

    /// <summary>Binary units with three significant figures: "812 KiB", "1.23 GiB".</summary>
    public static string Format(long bytes)
    {
        string[] names = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < names.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        var format = unit == 0 || Math.Abs(value) >= 100 ? "F0" : Math.Abs(value) >= 10 ? "F1" : "F2";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + names[unit];
    }
}
