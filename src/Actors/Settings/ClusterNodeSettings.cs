using Akka.Configuration;
using static CyclicActors.Actors.Settings.ConfigReader;

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
            JoinTimeout = RequirePositiveDuration(config, "cyclic-actors.cluster.join-timeout", example: "120s"),
            WorkersPerNode = RequireInt(config, "cyclic-actors.cluster.workers-per-node", minimum: 0),
            ProgressInterval = RequirePositiveDuration(config, "cyclic-actors.cluster.progress-interval", example: "120s"),
            TraceTimeout = RequirePositiveDuration(config, "cyclic-actors.cluster.trace-timeout", example: "120s"),
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

        return RequireInt(config, key, minimum: 1, expected: "'all' or an integer");
    }
}
