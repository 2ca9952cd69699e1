using System.Globalization;
using System.Text.RegularExpressions;

namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>
/// A directory of periodic checkpoints, one per step boundary: <c>step-00000120/</c>, each written
/// atomically by <see cref="CheckpointStore"/>, the newest <c>keep</c> kept. A checkpoint is deleted
/// only after a newer one is in place, so a crash at any moment (kill -9 in the middle of a write)
/// leaves the previous checkpoint loadable. Only entries with our exact names that hold a checkpoint
/// and nothing else are ever deleted.
/// </summary>
public static partial class CheckpointSeries
{
    public const string EntryPrefix = "step-";

    /// <summary>The directory of the checkpoint at <paramref name="step"/> in <paramref name="series"/>.</summary>
    public static string EntryFor(string series, long step) =>
        Path.Combine(series, EntryPrefix + step.ToString("D8", CultureInfo.InvariantCulture));

    /// <summary>The checkpoints of <paramref name="series"/> (complete or not), by step, oldest first; empty when it does not exist.</summary>
    public static IReadOnlyList<(long Step, string Directory)> Entries(string series)
    {
        if (!Directory.Exists(series))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(series)
            .Select(path => (Match: EntryName().Match(Path.GetFileName(path)), Path: path))
            .Where(entry => entry.Match.Success)
            .Select(entry => (long.Parse(entry.Match.Groups[1].Value, CultureInfo.InvariantCulture), entry.Path))
            .OrderBy(entry => entry.Item1)];
    }

    /// <summary>Whether <paramref name="directory"/> is a series (holds step entries and is not itself a checkpoint).</summary>
    public static bool IsSeries(string directory) =>
        Directory.Exists(directory) && !File.Exists(Path.Combine(directory, CheckpointStore.ManifestFile)) && Entries(directory).Count > 0;

    /// <summary>
    /// Writes the checkpoint at <paramref name="step"/> into <paramref name="series"/>, then deletes
    /// the oldest entries beyond the newest <paramref name="keep"/>.
    /// </summary>
    public static string Save(string series, long step, int keep, CheckpointMetadata metadata, IReadOnlyList<NamedTensor> weights,
        IReadOnlyList<NamedTensor>? momentum, IReadOnlyList<NamedTensor>? resume)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        Directory.CreateDirectory(series);
        var entry = EntryFor(series, step);
        CheckpointStore.Save(entry, metadata, weights, momentum, resume);
        var entries = Entries(series);
        foreach (var (_, old) in entries.Take(Math.Max(entries.Count - keep, 0)))
        {
            if (CheckpointTarget.HoldsOnlyACheckpoint(old))
            {
                Directory.Delete(old, recursive: true);
            }
        }

        return entry;
    }

    /// <summary>
    /// The checkpoint <paramref name="directory"/> names: itself when it is one, else, for a series,
    /// its newest entry that loads (manifest, hashes, tensor files); a newer entry that does not is
    /// reported to <paramref name="skipped"/> with the reason and passed over.
    /// </summary>
    /// <exception cref="CheckpointFormatException">No checkpoint there loads.</exception>
    public static string Resolve(string directory, Action<string>? skipped = null)
    {
        if (!IsSeries(directory))
        {
            return directory;
        }

        CheckpointFormatException? newestProblem = null;
        foreach (var (_, entry) in Entries(directory).Reverse())
        {
            try
            {
                CheckpointStore.Load(entry, expectedTensors: null);
                return entry;
            }
            catch (CheckpointFormatException e)
            {
                newestProblem ??= e;
                skipped?.Invoke(e.Message);
            }
        }

        throw new CheckpointFormatException(directory, $"no checkpoint of the series loads (newest: {newestProblem!.Message})");
    }

    [GeneratedRegex(@"^step-(\d{8,})$", RegexOptions.CultureInvariant)]
    private static partial Regex EntryName();
}
