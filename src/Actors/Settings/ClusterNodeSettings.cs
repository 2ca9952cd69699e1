using Akka.Configuration;

namespace CyclicActors.Actors.Settings;

/// <summary>The typed view of <c>cyclic-actors.cluster</c> (hocon/cluster.conf).</summary>
public sealed record ClusterNodeSettings
{
    private ClusterNodeSettings()
    {
    }

    public required TimeSpan JoinTimeout { get; init; }

    /// <summary>Workers a member offers; 0 only makes sense on a reducer-only member (role reducer).</summary>
    public required int WorkersPerNode { get; init; }

    /// <summary>How often a member reports its progress to the seed.</summary>
    public required TimeSpan ProgressInterval { get; init; }

    /// <summary>How long the seed waits for the members' traces at the end of a traced run.</summary>
    public required TimeSpan TraceTimeout { get; init; }

    /// <summary>The fewest workers the seed starts with at the join timeout; null ("all"): every --workers rank.</summary>
    public required int? MinWorkers { get; init; }

    public static ClusterNodeSettings From(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ClusterNodeSettings
        {
            JoinTimeout = RequireDuration(config, "cyclic-actors.cluster.join-timeout"),
            WorkersPerNode = RequireInt(config, "cyclic-actors.cluster.workers-per-node", minimum: 0),
            ProgressInterval = RequireDuration(config, "cyclic-actors.cluster.progress-interval"),
            TraceTimeout = RequireDuration(config, "cyclic-actors.cluster.trace-timeout"),
            MinWorkers = AllOrInt(config, "cyclic-actors.cluster.min-workers"),
        };
    }

    // "all" (the default) means every --workers rank; the seed checks a number against --workers.
    private static int? AllOrInt(Config config, string key)
    {
        if (config.HasPath(key) && config.GetString(key) == "all")
        {
            return null;
        }

        return RequireInt(config, key, minimum: 1, orAll: true);
    }

    private static int RequireInt(Config config, string key, int minimum, bool orAll = false)
    {
        if (!config.HasPath(key))
        {
            throw new ConfigurationException($"Missing configuration key '{key}'.");
        }

        int value;
        try
        {
            value = config.GetInt(key);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"Configuration key '{key}' must be {(orAll ? "'all' or " : string.Empty)}an integer: {e.Message}");
        }

        return value >= minimum ? value : throw new ConfigurationException($"Configuration key '{key}' must be at least {minimum}; got {value}.");
    }

    private static TimeSpan RequireDuration(Config config, string key)
    {
        if (!config.HasPath(key))
        {
            throw new ConfigurationException($"Missing configuration key '{key}'.");
        }

        TimeSpan value;
        try
        {
            value = config.GetTimeSpan(key, allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException or ArgumentException)
        {
            throw new ConfigurationException($"Configuration key '{key}' must be a duration such as 120s: {e.Message}");
        }

        return value > TimeSpan.Zero ? value : throw new ConfigurationException($"Configuration key '{key}' must be a positive duration; got {value}.");
    }
}
