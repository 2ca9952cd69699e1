using System.Security.Cryptography;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Checks every path a run will write before the run starts, so that a path that cannot be written
/// is a one-line usage error at once, not an exception after hours of training. A check writes and
/// removes one probe file in the directory that will receive the output, and changes nothing else.
/// </summary>
internal static partial class OutputPaths
{
    private static readonly HashSet<string> WrittenInPlace = ["metrics", "trace"];

    /// <summary>Checks the outputs of `train` and `seed`: --save, --summary, --metrics and --trace.</summary>
    public static void Check(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckFiles(("summary", options.SummaryFile), ("metrics", options.MetricsFile), ("trace", options.TraceFile));
        if (options.SaveDirectory is not null && options.CheckpointEvery > 0)
        {
            CheckSeriesDirectory("save", options.SaveDirectory, options.ResumeDirectory);
        }
        else if (options.SaveDirectory is not null)
        {
            CheckCheckpointDirectory("save", options.SaveDirectory);
        }
    }

    /// <summary>
    /// A series directory (--save with --checkpoint-every) may be new, empty, or the series the run
    /// resumes from; one holding another run's checkpoints is refused (keeping the newest M would
    /// delete that run's), and so is one holding anything but checkpoints of a series.
    /// </summary>
    public static void CheckSeriesDirectory(string flag, string path, string? resumeFrom)
    {
        string full = FullPath(flag, path);
        if (File.Exists(full) && !Directory.Exists(full))
        {
            throw new UsageException($"--{flag} {path} is a file; a series of checkpoints needs a directory");
        }

        if (!Directory.Exists(full))
        {
            CheckWritableParent(flag, path, full);
            return;
        }

        var foreign = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).FirstOrDefault(name => !SeriesEntry().IsMatch(name!));
        if (foreign is not null)
        {
            throw new UsageException($"--{flag} {path} holds '{foreign}', which is not a checkpoint of a series (step-NNNNNNNN); give an empty or new directory");
        }

        var entries = CheckpointSeries.Entries(full);
        bool resumingThis = resumeFrom is not null && (FullPath("resume", resumeFrom) == full || Path.GetDirectoryName(FullPath("resume", resumeFrom)) == full);
        if (entries.Count > 0 && !resumingThis)
        {
            throw new UsageException($"--{flag} {path} already holds checkpoints of a run (newest: step {entries[^1].Step}); continue it with --resume {path}, or give an empty or new directory");
        }

        CheckWritableParent(flag, path, Path.Combine(full, "probe"));
    }

    /// <summary>Checks each given file flag (null: not given) and that no two name the same file.</summary>
    public static void CheckFiles(params (string Flag, string? Path)[] files)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (flag, path) in files)
        {
            if (path is null)
            {
                continue;
            }

            string full = CheckFile(flag, path);
            if (!seen.TryAdd(full, flag))
            {
                throw new UsageException($"--{seen[full]} and --{flag} both name {full}; give each output its own file");
            }
        }
    }

    /// <summary>
    /// Checks that <paramref name="path"/> can be written as a file; returns its full path. The metrics
    /// and the trace are written in place, so they may also go to a device or FIFO (`--metrics
    /// /dev/stdout`); every other output replaces its file through a rename, which would swap a device
    /// such as /dev/null for a plain file.
    /// </summary>
    public static string CheckFile(string flag, string path)
    {
        string full = FullPath(flag, path);
        var kind = Kind(flag, path, full);
        if (kind == FileKind.Directory)
        {
            throw new UsageException($"--{flag} {path} is a directory; give a file path");
        }

        if (kind == FileKind.Special && !WrittenInPlace.Contains(flag))
        {
            throw new UsageException($"--{flag} {path} is a device, FIFO or socket, not a regular file; give a file path");
        }

        if (kind == FileKind.Regular)
        {
            try
            {
                // Opening for writing without truncating proves the file can be replaced and changes nothing.
                using var _ = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--{flag} {path} cannot be written ({Reason(e)})");
            }
        }

        CheckWritableParent(flag, path, full);
        return full;
    }

    /// <summary>Checks that a checkpoint may be saved to <paramref name="path"/>: it holds nothing of the user's and its parent is writable.</summary>
    public static void CheckCheckpointDirectory(string flag, string path)
    {
        string full = FullPath(flag, path);
        try
        {
            CheckpointTarget.EnsureReplaceable(full);
        }
        catch (CheckpointTargetException e)
        {
            throw new UsageException($"--{flag}: {e.Message}");
        }

        CheckWritableParent(flag, path, full);
    }

    private static FileKind Kind(string flag, string path, string full)
    {
        try
        {
            return FileKinds.Of(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--{flag} {path} cannot be written ({Reason(e)})");
        }
    }

    private static string FullPath(string flag, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UsageException($"--{flag} needs a path; got '{path}'");
        }

        try
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UsageException($"--{flag} '{path}' is not a usable path ({e.Message})");
        }
    }

    /// <summary>
    /// The output's directory may not exist yet (it is created when the output is written); its nearest
    /// existing ancestor must be a directory in which this process can create a file.
    /// </summary>
    private static void CheckWritableParent(string flag, string path, string full)
    {
        string? ancestor = Path.GetDirectoryName(full);
        if (ancestor is null)
        {
            throw new UsageException($"--{flag} {path} is a root directory");
        }

        while (!Directory.Exists(ancestor))
        {
            if (File.Exists(ancestor))
            {
                throw new UsageException($"--{flag} {path} cannot be created: {ancestor} is a file, not a directory");
            }

            ancestor = Path.GetDirectoryName(ancestor) ?? throw new UsageException($"--{flag} {path} has no existing parent directory");
        }

        string probe = Path.Combine(ancestor, $".cyclic-write-probe-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--{flag} {path} cannot be written: no file can be created in {ancestor} ({Reason(e)})");
        }
    }

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        _ => e.Message.Split(" : ", 2)[0].TrimEnd('.'),
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^step-\d{8,}(\.(tmp|old)-[0-9a-f]{12})?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex SeriesEntry();
}
