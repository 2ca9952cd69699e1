using System.Text.Json;

namespace CyclicActors.Host.Plotting;

/// <summary>One run's curves, gathered from the files it wrote.</summary>
internal sealed class RunSeries(string label)
{
    public string Label { get; } = label;

    /// <summary>(step, loss) from the metrics lines.</summary>
    public List<(double Step, double Loss)> Loss { get; } = [];

    /// <summary>(steps done, test accuracy) from the metrics' evaluation lines or the summary's evaluations.</summary>
    public List<(double Steps, double Accuracy)> Accuracy { get; } = [];

    /// <summary>(seconds, bytes) of live activations: the metrics' per-step peak, or the trace's counter.</summary>
    public List<(double Seconds, double Bytes)> LiveActivations { get; } = [];

    /// <summary>(seconds, bytes) the memory pool held.</summary>
    public List<(double Seconds, double Bytes)> Reserved { get; } = [];

    /// <summary>Per link (from->to), (seconds, cumulative tensor bytes sent) from a seed's metrics lines.</summary>
    public SortedDictionary<string, List<(double Seconds, double Bytes)>> Links { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Reads what runs wrote (--metrics JSON lines, --trace Chrome traces, --summary objects) into
/// <see cref="RunSeries"/>, one per label. A FILE argument is PATH or LABEL=PATH; without a label the
/// run is named after the file (its name up to the first dot), so a run's metrics, trace and summary
/// given as run.jsonl, run.trace.json and run.json land in one run. A file that is none of the three
/// is refused with its name and what was expected.
/// </summary>
internal static class RunFiles
{
    public static IReadOnlyList<RunSeries> Read(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var runs = new List<RunSeries>();
        foreach (var argument in arguments)
        {
            var (label, path) = Split(argument);
            var run = runs.Find(r => r.Label == label);
            if (run is null)
            {
                run = new RunSeries(label);
                runs.Add(run);
            }

            ReadInto(run, path);
        }

        return runs;
    }

    private static (string Label, string Path) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0 && !File.Exists(argument))
        {
            return (argument[..equals], argument[(equals + 1)..]);
        }

        var name = Path.GetFileName(argument);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return (dot > 0 ? name[..dot] : name, argument);
    }

    private static void ReadInto(RunSeries run, string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist (plot takes --metrics, --trace and --summary files of runs)", path);
        }

        var text = File.ReadAllText(path);
        try
        {
            if (IsMetrics(text))
            {
                ReadMetrics(run, text);
                return;
            }

            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("traceEvents", out var events))
            {
                ReadTrace(run, events);
            }
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("parameter_sha256", out _))
            {
                ReadSummary(run, root);
            }
            else
            {
                throw new InvalidDataException($"{path} is neither a metrics file (JSON lines), a trace (traceEvents) nor a summary (parameter_sha256)");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not the JSON a run writes: {e.Message}", e);
        }
    }

    /// <summary>A metrics file: its first line alone is a JSON object with a step (a summary or trace is one document).</summary>
    private static bool IsMetrics(string text)
    {
        var first = text.TrimStart().Split('\n', 2)[0].Trim();
        try
        {
            using var line = JsonDocument.Parse(first);
            return line.RootElement.ValueKind == JsonValueKind.Object && line.RootElement.TryGetProperty("step", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void ReadMetrics(RunSeries run, string text)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var document = JsonDocument.Parse(line);
            var row = document.RootElement;
            if (row.TryGetProperty("test_accuracy", out var accuracy) && row.TryGetProperty("steps_done", out var done))
            {
                run.Accuracy.Add((done.GetDouble(), accuracy.GetDouble()));
                continue;
            }

            if (!row.TryGetProperty("loss", out var loss) || !row.TryGetProperty("step", out var step))
            {
                continue;
            }

            run.Loss.Add((step.GetDouble() + 1, loss.GetDouble()));
            var seconds = row.TryGetProperty("elapsed_seconds", out var elapsed) ? elapsed.GetDouble() : double.NaN;
            if (row.TryGetProperty("live_activation_bytes", out var live))
            {
                run.LiveActivations.Add((seconds, live.GetDouble()));
            }

            if (row.TryGetProperty("reserved_bytes", out var reserved))
            {
                run.Reserved.Add((seconds, reserved.GetDouble()));
            }

            if (row.TryGetProperty("link_bytes_sent", out var links) && links.ValueKind == JsonValueKind.Object)
            {
                foreach (var link in links.EnumerateObject())
                {
                    if (!run.Links.TryGetValue(link.Name, out var points))
                    {
                        points = [];
                        run.Links[link.Name] = points;
                    }

                    points.Add((seconds, link.Value.GetDouble()));
                }
            }
        }
    }

    private static void ReadTrace(RunSeries run, JsonElement events)
    {
        // The trace's counters are sampled in wall-clock time: finer than the metrics' one point per step.
        var live = new List<(double, double)>();
        var reserved = new List<(double, double)>();
        foreach (var e in events.EnumerateArray())
        {
            if (!e.TryGetProperty("ph", out var ph) || ph.GetString() != "C" || !e.TryGetProperty("args", out var args) || !args.TryGetProperty("bytes", out var bytes))
            {
                continue;
            }

            var point = (e.GetProperty("ts").GetDouble() / 1e6, bytes.GetDouble());
            switch (e.GetProperty("name").GetString())
            {
                case "live activation bytes":
                    live.Add(point);
                    break;
                case "reserved bytes":
                    reserved.Add(point);
                    break;
            }
        }

        if (live.Count > 0)
        {
            run.LiveActivations.Clear();
            run.LiveActivations.AddRange(live.OrderBy(p => p.Item1));
        }

        if (reserved.Count > 0)
        {
            run.Reserved.Clear();
            run.Reserved.AddRange(reserved.OrderBy(p => p.Item1));
        }
    }

    private static void ReadSummary(RunSeries run, JsonElement summary)
    {
        if (summary.TryGetProperty("evaluations", out var evaluations) && evaluations.ValueKind == JsonValueKind.Array)
        {
            run.Accuracy.Clear();
            run.Accuracy.AddRange(evaluations.EnumerateArray().Select(e => (e.GetProperty("steps_done").GetDouble(), e.GetProperty("test_accuracy").GetDouble())));
        }
        else if (run.Accuracy.Count == 0 && summary.TryGetProperty("test_accuracy", out var accuracy) && summary.TryGetProperty("steps", out var steps))
        {
            run.Accuracy.Add((steps.GetDouble(), accuracy.GetDouble()));
        }
    }
}
