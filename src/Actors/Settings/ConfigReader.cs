using System.Diagnostics.CodeAnalysis;
using Akka.Configuration;

namespace CyclicActors.Actors.Settings;

/// <summary>
/// Reads one configuration key as a typed, checked value for the settings views. Every failure is a
/// <see cref="ConfigurationException"/> that names the key, so a bad file fails at start with the line to fix.
/// </summary>
internal static class ConfigReader
{
    public static string RequireString(Config config, string key)
    {
        RequirePresent(config, key);
        var value = config.GetString(key);
        return string.IsNullOrWhiteSpace(value) ? throw new ConfigurationException($"Configuration key '{key}' must not be empty.") : value;
    }

    /// <summary>An integer of at least <paramref name="minimum"/>; <paramref name="expected"/> says what else the key accepts when it is not a number.</summary>
    public static int RequireInt(Config config, string key, int minimum, string expected = "an integer")
    {
        RequirePresent(config, key);
        int value;
        try
        {
            value = config.GetInt(key);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"Configuration key '{key}' must be {expected}: {e.Message}");
        }

        return value >= minimum ? value : throw new ConfigurationException($"Configuration key '{key}' must be at least {minimum}; got {value}.");
    }

    /// <summary>A finite duration above zero; <paramref name="example"/> (e.g. "5ms") shows the format in the error.</summary>
    public static TimeSpan RequirePositiveDuration(Config config, string key, string example)
    {
        RequirePresent(config, key);
        TimeSpan value;
        try
        {
            value = config.GetTimeSpan(key, allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException or ArgumentException)
        {
            throw new ConfigurationException($"Configuration key '{key}' must be a duration such as {example}: {e.Message}");
        }

        return value > TimeSpan.Zero ? value : throw new ConfigurationException($"Configuration key '{key}' must be a positive duration; got {value}.");
    }

    /// <summary>A size in bytes ("1 MiB", "64k", "32000b") from <paramref name="minimum"/> up to what an int holds.</summary>
    public static int RequireBytes(Config config, string key, int minimum)
    {
        RequirePresent(config, key);
        long? bytes;
        try
        {
            bytes = config.GetByteSize(key);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"Configuration key '{key}' must be a size such as 1 MiB: {e.Message}");
        }

        return bytes is { } value && value >= minimum && value <= int.MaxValue
            ? (int)value
            : throw new ConfigurationException($"Configuration key '{key}' must be between {minimum} and {int.MaxValue} bytes; got {bytes?.ToString() ?? "nothing"}.");
    }

    /// <summary>The key's text, or <paramref name="fallback"/> when the key is absent (optional keys have no default in the reference file).</summary>
    [return: NotNullIfNotNull(nameof(fallback))]
    public static string? StringOr(Config config, string key, string? fallback) => config.HasPath(key) ? config.GetString(key) : fallback;

    /// <summary>on/true/yes or off/false/no, or <paramref name="fallback"/> when the key is absent.</summary>
    public static bool BooleanOr(Config config, string key, bool fallback)
    {
        if (!config.HasPath(key))
        {
            return fallback;
        }

        var text = config.GetString(key);
        return text switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw new ConfigurationException($"Configuration key '{key}' must be on or off; got '{text}'."),
        };
    }

    private static void RequirePresent(Config config, string key)
    {
        if (!config.HasPath(key))
        {
            throw new ConfigurationException($"Missing configuration key '{key}'.");
        }
    }
}
