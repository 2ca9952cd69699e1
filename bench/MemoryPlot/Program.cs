using System.Globalization;
using System.Text.Json;
using ScottPlot;

// memoryplot OUT.png LABEL=TRACE.json [LABEL=TRACE.json ...]
// Draws, for each run's Chrome trace (cyclic train --trace), the memory pool's reserved bytes and
// the live activation bytes against wall-clock time, all runs in one figure.
if (args.Length < 2 || args.Skip(1).Any(a => !a.Contains('=', StringComparison.Ordinal)))
{
    Console.Error.WriteLine("usage: memoryplot OUT.png LABEL=TRACE.json [LABEL=TRACE.json ...]");
    return 2;
}

var plot = new Plot();
var palette = new ScottPlot.Palettes.Category10();
int index = 0;
foreach (var pair in args.Skip(1))
{
    var label = pair[..pair.IndexOf('=', StringComparison.Ordinal)];
    var path = pair[(label.Length + 1)..];
    var color = palette.GetColor(index++);
    foreach (var (counter, pattern, suffix) in new[] { ("reserved bytes", LinePattern.Solid, "reserved"), ("live activation bytes", LinePattern.Dashed, "live activations") })
    {
        var (seconds, megabytes) = Counter(path, counter);
        if (seconds.Length == 0)
        {
            continue;
        }

        var line = plot.Add.ScatterLine(seconds, megabytes);
        line.Color = color;
        line.LinePattern = pattern;
        line.LineWidth = 2;
        line.LegendText = $"{label}: {suffix}";
    }
}

plot.Title("Memory over a run: pool reserved bytes (solid) and live activations (dashed)");
plot.XLabel("wall-clock time (s)");
plot.YLabel("MB");
plot.ShowLegend(Alignment.MiddleRight);
plot.SavePng(args[0], 1200, 700);
Console.WriteLine($"wrote {args[0]}");
return 0;

static (double[] Seconds, double[] Megabytes) Counter(string path, string name)
{
    using var document = JsonDocument.Parse(File.ReadAllText(path));
    var root = document.RootElement;
    var events = root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("traceEvents");
    var points = events.EnumerateArray()
        .Where(e => e.TryGetProperty("ph", out var ph) && ph.GetString() == "C" && e.GetProperty("name").GetString() == name)
        .Select(e => (Seconds: e.GetProperty("ts").GetDouble() / 1e6, Megabytes: e.GetProperty("args").GetProperty("bytes").GetDouble() / 1e6))
        .OrderBy(p => p.Seconds)
        .ToArray();
    return (points.Select(p => p.Seconds).ToArray(), points.Select(p => p.Megabytes).ToArray());
}
