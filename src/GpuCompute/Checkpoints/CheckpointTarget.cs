using System.Text.Json;
using System.Text.RegularExpressions;

namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>
/// Which directories a checkpoint save may replace. A save swaps the whole directory (see
/// <see cref="CheckpointStore"/>), so it may only take a directory that holds nothing of the user's:
/// a missing one, an empty one, or one holding an earlier checkpoint and nothing else. Anything else
/// (a source tree, a data directory, a foreign <c>model.safetensors</c>) is refused before any file is
/// touched.
/// </summary>
public static partial class CheckpointTarget
{
    /// <summary>The files a checkpoint consists of; a directory holding anything else is not ours.</summary>
    public static readonly IReadOnlySet<string> OwnedFiles = new HashSet<string>(StringComparer.Ordinal)
    {
        CheckpointStore.ManifestFile,
        CheckpointStore.ModelFile,
        CheckpointStore.OptimizerFile,
        CheckpointStore.ResumeFile,
    };

    /// <summary>Throws <see cref="CheckpointTargetException"/> unless <paramref name="directory"/> may be replaced by a checkpoint.</summary>
    public static void EnsureReplaceable(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new CheckpointTargetException(directory ?? string.Empty, "is empty; give a directory path");
        }

        string full;
        try
        {
            full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CheckpointTargetException(directory, $"is not a usable path ({e.Message})");
        }

        if (Path.GetDirectoryName(full) is null)
        {
            throw new CheckpointTargetException(full, "is a root directory; a checkpoint needs a directory of its own");
        }

        if (File.Exists(full) && !Directory.Exists(full))
        {
            throw new CheckpointTargetException(full, "is a file, not a directory");
        }

        if (Directory.Exists(full) && Refusal(full) is { } problem)
        {
            throw new CheckpointTargetException(full, problem);
        }
    }

    /// <summary>Whether <paramref name="directory"/> exists and holds a checkpoint of ours and nothing else (an empty directory does not).</summary>
    public static bool HoldsOnlyACheckpoint(string directory) =>
        Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any() && Refusal(directory) is null;

    /// <summary>
    /// Whether <paramref name="path"/> is a sibling <paramref name="target"/>.<paramref name="marker"/>XXXXXXXXXXXX
    /// that <see cref="CheckpointStore"/> made: the exact name pattern, and content that is ours.
    /// </summary>
    internal static bool IsOurSibling(string target, string marker, string path)
    {
        var name = Path.GetFileName(path);
        var prefix = Path.GetFileName(target) + marker;
        return name.StartsWith(prefix, StringComparison.Ordinal)
            && RandomSuffix().IsMatch(name[prefix.Length..])
            && !IsLink(path)
            && Directory.EnumerateFileSystemEntries(path).All(entry => OwnedFiles.Contains(Path.GetFileName(entry)) && IsPlainFile(entry));
    }

    private static string? Refusal(string directory)
    {
        List<string> entries;
        try
        {
            if (IsLink(directory))
            {
                return "is a symbolic link; give the real directory (a save replaces the directory itself)";
            }

            entries = [.. Directory.EnumerateFileSystemEntries(directory)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be listed ({e.Message})";
        }

        if (entries.Count == 0)
        {
            return null;
        }

        var foreign = entries.Where(entry => !OwnedFiles.Contains(Path.GetFileName(entry)) || !IsPlainFile(entry))
            .Select(entry => Path.GetFileName(entry) + (Directory.Exists(entry) ? "/" : string.Empty))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (foreign.Count > 0)
        {
            var shown = string.Join(", ", foreign.Take(3)) + (foreign.Count > 3 ? $" and {foreign.Count - 3} more" : string.Empty);
            return $"holds files that are not part of a checkpoint ({shown}); a save replaces the whole directory, so it takes only a new or empty directory or an earlier checkpoint";
        }

        return IsOurManifest(Path.Combine(directory, CheckpointStore.ManifestFile))
            ? null
            : $"holds {string.Join(", ", entries.Select(Path.GetFileName).Order(StringComparer.Ordinal))} without a checkpoint manifest of ours ({CheckpointStore.ManifestFile}); refusing to replace files that may not be a checkpoint";
    }

    // Ours if it is the JSON document CheckpointStore writes; any format version counts, so an older
    // checkpoint of ours can still be replaced.
    private static bool IsOurManifest(string path)
    {
        if (!IsPlainFile(path))
        {
            return false;
        }

        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("formatVersion", out var version) && version.ValueKind == JsonValueKind.Number
                && root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Object;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsPlainFile(string path) => File.Exists(path) && !Directory.Exists(path) && !IsLink(path);

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    [GeneratedRegex("^[0-9a-f]{12}$")]
    private static partial Regex RandomSuffix();
}

/// <summary>A checkpoint may not be written to a directory (it holds the user's files, or is not a directory). The message names it.</summary>
public sealed class CheckpointTargetException(string path, string problem) : Exception($"{path} {problem}")
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}
