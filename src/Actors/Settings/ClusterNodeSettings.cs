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

    /// <summary>on-member-loss = continue: a lost member re-forms the run from the last cut instead of ending it.</summary>
    public required bool ContinueOnMemberLoss { get; init; }

    /// <summary>How long a re-formed run waits for a replacement before it shrinks.</summary>
    public required TimeSpan ReplaceTimeout { get; init; }

    /// <summary>Steps between the cuts the reducers send the seed to roll back to.</summary>
    public required int CutEvery { get; init; }

    public required int MaxRestarts { get; init; }

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
            ContinueOnMemberLoss = RequireString(config, "cyclic-actors.cluster.on-member-loss") switch
            {
                "continue" => true,
                "fail" => false,
                var other => throw new ConfigurationException($"cyclic-actors.cluster.on-member-loss = {other}: expected continue or fail."),
            },
            ReplaceTimeout = RequirePositiveDuration(config, "cyclic-actors.cluster.replace-timeout", example: "60s"),
            CutEvery = RequireInt(config, "cyclic-actors.cluster.cut-every", minimum: 1),
            MaxRestarts = RequireInt(config, "cyclic-actors.cluster.max-restarts", minimum: 0),
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
