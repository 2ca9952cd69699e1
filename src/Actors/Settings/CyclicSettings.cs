using System.Reflection;
using Akka.Configuration;
using static CyclicActors.Actors.Settings.ConfigReader;

namespace CyclicActors.Actors.Settings;

/// <summary>
/// The typed view of the <c>cyclic-actors</c> configuration, read once. Every key has a default in
/// hocon/reference.conf (embedded as <see cref="ReferenceResourceName"/>); an invalid value throws
/// <see cref="ConfigurationException"/> naming the key.
/// </summary>
public sealed record CyclicSettings
{
    public const string ReferenceResourceName = "CyclicActors.reference.conf";

    private CyclicSettings()
    {
    }

    public required string SystemName { get; init; }

    public required string WorkerDispatcher { get; init; }

    public required string ReducerDispatcher { get; init; }

    public required TimeSpan MemorySampleInterval { get; init; }

    public required TimeSpan FinalStateTimeout { get; init; }

    /// <summary>How long a paced op may wait for the device's other workers before the run fails naming it (cyclic-actors.pacing-patience).</summary>
    public required TimeSpan PacingPatience { get; init; }

    /// <summary>How long a run may go without a micro-batch completing before it counts as stalled (cyclic-actors.stall-timeout); null: never.</summary>
    public TimeSpan? StallTimeout { get; init; }

    /// <summary>Window of the log repeat cap (cyclic-actors.logging.repeat-window).</summary>
    public required TimeSpan LogRepeatWindow { get; init; }

    /// <summary>Lines with one level, source and template printed per window (cyclic-actors.logging.repeats-per-window).</summary>
    public required int LogRepeatsPerWindow { get; init; }

    /// <summary>Log lines printed per window in all (cyclic-actors.logging.lines-per-window).</summary>
    public required int LogLinesPerWindow { get; init; }

    /// <summary>cyclic-actors.fault-injection: where this node kills itself, if anywhere.</summary>
    public required FaultInjection Faults { get; init; }

    /// <summary>The embedded reference configuration (the defaults).</summary>
    public static Config Reference { get; } = ConfigurationFactory.ParseString(ReadReference());

    /// <summary><paramref name="overrides"/> (may be null) over the reference configuration.</summary>
    public static Config WithFallbackToReference(Config? overrides) =>
        overrides is null || overrides.IsEmpty ? Reference : overrides.WithFallback(Reference);

    /// <summary>Reads and validates the settings from a full configuration (reference included).</summary>
    public static CyclicSettings From(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var settings = new CyclicSettings
        {
            SystemName = RequireString(config, "cyclic-actors.system-name"),
            WorkerDispatcher = RequireDispatcher(config, "cyclic-actors.worker-dispatcher"),
            ReducerDispatcher = RequireDispatcher(config, "cyclic-actors.reducer-dispatcher"),
            MemorySampleInterval = RequirePositiveDuration(config, "cyclic-actors.memory.sample-interval", example: "5ms"),
            FinalStateTimeout = RequirePositiveDuration(config, "cyclic-actors.final-state-timeout", example: "5ms"),
            PacingPatience = RequirePositiveDuration(config, "cyclic-actors.pacing-patience", example: "10m"),
            LogRepeatWindow = RequirePositiveDuration(config, "cyclic-actors.logging.repeat-window", example: "5ms"),
            LogRepeatsPerWindow = RequireInt(config, "cyclic-actors.logging.repeats-per-window", minimum: 1),
            LogLinesPerWindow = RequireInt(config, "cyclic-actors.logging.lines-per-window", minimum: 1),
            Faults = FaultInjection.Read(config),
            StallTimeout = ReadStallTimeout(config),
        };
        return settings;
    }

    private static TimeSpan? ReadStallTimeout(Config config) =>
        config.HasPath("cyclic-actors.stall-timeout") && config.GetString("cyclic-actors.stall-timeout") == "off"
            ? null
            : RequirePositiveDuration(config, "cyclic-actors.stall-timeout", example: "5m or off");

    private static string ReadReference()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ReferenceResourceName)
            ?? throw new ConfigurationException($"The embedded resource {ReferenceResourceName} is missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string RequireDispatcher(Config config, string key)
    {
        var path = RequireString(config, key);
        if (!config.HasPath(path))
        {
            throw new ConfigurationException($"Configuration key '{key}' names dispatcher '{path}', which is not defined.");
        }

        return path;
    }
}
