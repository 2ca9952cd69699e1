using CyclicActors.Host.Cli;
using CyclicActors.Host.Plotting;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `cyclic plot FILE... --out DIR`: PNG and SVG figures from what runs wrote (--metrics, --trace,
/// --summary), several runs at once, each labelled (LABEL=FILE, or the file's name). Also what
/// `train --plot DIR` and `seed --plot DIR` call at the end of a run.
/// </summary>
internal static class PlotCommand
{
    public const string Summary = "figures (PNG and SVG) of runs' metrics, traces and summaries: loss, test accuracy, memory, link traffic";

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("out", "DIR", "where the figures go (loss, test-accuracy, activations, reserved, links; .png and .svg)"),
        new("width", "PX", "figure width", "1200"),
        new("height", "PX", "figure height", "700"),
        new("help", null, "show this help; the FILE arguments are PATH or LABEL=PATH, a run's files sharing its label"),
    ];

    public static int Run(ParsedOptions options)
    {
        var directory = options.String("out") ?? throw new UsageException("cyclic plot needs --out DIR, where the figures go");
        if (options.Positionals.Count == 0)
        {
            throw new UsageException("cyclic plot needs at least one FILE: a run's --metrics, --trace or --summary output (LABEL=FILE to name the run)");
        }

        CheckDirectory("--out", directory);
        var figures = Draw(options.Positionals, directory, options.Int("width", 1200, 200, 10_000), options.Int("height", 700, 150, 10_000));
        return figures.Count > 0 ? 0 : throw new InvalidDataException("none of the files holds a curve to draw (loss, test accuracy, memory or link bytes)");
    }

    /// <summary>The figures' directory must be a directory this process can create or write in.</summary>
    public static void CheckDirectory(string flag, string directory)
    {
        if (File.Exists(directory))
        {
            throw new UsageException($"{flag} {directory} is a file; the figures go into a directory");
        }

        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".cyclic-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{flag} {directory} cannot be written: {e.Message}");
        }
    }

    /// <summary>Reads the files and writes every figure they have data for; prints one line per figure.</summary>
    public static IReadOnlyList<FigureWritten> Draw(IEnumerable<string> files, string directory, int width = 1200, int height = 700)
    {
        var runs = RunFiles.Read(files);
        var figures = RunPlots.Write(runs, directory, width, height);
        foreach (var figure in figures)
        {
            Console.WriteLine($"plot: {figure.Png} (and .svg): {string.Join(", ", figure.Series)}");
        }

        return figures;
    }
}
