using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Training options for `cyclic seed` from its HOCON files: a `cyclic-actors.training` section in
/// --config or a --profile, one key per training flag with the flag's name and meaning. A flag
/// on the command line wins over the file; the seed sends the result to every member, so the
/// options are still given once. Keys outside the known set are refused with the valid ones, and
/// a bad value is reported under its key and file.
/// </summary>
internal static class TrainingHocon
{
    public const string Section = "cyclic-actors.training";

    /// <summary>The training flags a file may set (the options the seed sends members, its data directory and the elastic minimum).</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "model", "data", "epochs", "steps", "batch", "workers", "stages", "partition", "lr", "momentum", "weight-decay",
        "lr-schedule", "seed", "rule", "v2-rule", "compensation", "pacing", "min-workers", "on-nonfinite", "parallelism", "devices",
        "reducer-shards",
    ];

    public static ParsedOptions Apply(ParsedOptions parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var files = parsed.All("profile").Concat(parsed.String("config") is { } file ? [file] : []).ToArray();
        if (files.Length == 0)
        {
            return parsed;
        }

        Config layers;
        try
        {
            layers = ClusterConfiguration.FileLayers(new NodeLaunch { ProfileFiles = parsed.All("profile"), ConfigFile = parsed.String("config") });
        }
        catch (Exception e) when (e is ConfigurationException or IOException)
        {
            throw new UsageException(e.Message);
        }

        if (!layers.HasPath(Section))
        {
            return parsed;
        }

        var where = string.Join(", ", files);
        var section = layers.GetConfig(Section);
        var given = section.AsEnumerable().Select(pair => pair.Key).ToArray();
        var unknown = given.Where(key => !Keys.Contains(key)).ToArray();
        if (unknown.Length > 0)
        {
            throw new UsageException($"{Section}.{unknown[0]} in {where} is not a training option (valid: {string.Join(", ", Keys)})");
        }

        var values = given.Select(key => (Name: key, Value: section.GetString(key), Origin: $"{Section}.{key} (in {where})")).ToArray();
        if (values.FirstOrDefault(value => string.IsNullOrWhiteSpace(value.Value)) is { Name: not null } empty)
        {
            throw new UsageException($"{empty.Origin} has no value");
        }

        return parsed.WithDefaults(values);
    }
}
