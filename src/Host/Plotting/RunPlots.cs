using ScottPlot;

namespace CyclicActors.Host.Plotting;

/// <summary>One figure written: PNG and SVG of <paramref name="Width"/> × <paramref name="Height"/> pixels, and its series' legend texts.</summary>
internal sealed record FigureWritten(string Name, string Png, string Svg, int Width, int Height, IReadOnlyList<string> Series);

/// <summary>
/// The figures of `cyclic plot` (ScottPlot): loss against steps, test accuracy against steps, live
/// activation bytes and the pool's reserved bytes against time, and tensor bytes per link against time, every run of
/// the input in each figure with its label. A figure no run has data for is not written.
/// </summary>
internal static class RunPlots
{
    public static IReadOnlyList<FigureWritten> Write(IReadOnlyList<RunSeries> runs, string directory, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(runs);
        Directory.CreateDirectory(directory);
        var written = new List<FigureWritten>();
        void Figure(string name, string title, string x, string y, Func<RunSeries, IEnumerable<(string Label, IReadOnlyList<(double X, double Y)> Points, bool Dashed, bool Markers)>> series)
        {
            var plot = new Plot();
            var palette = new ScottPlot.Palettes.Category10();
            var labels = new List<string>();
            for (var index = 0; index < runs.Count; index++)
            {
                var color = palette.GetColor(index);
                foreach (var (label, points, dashed, markers) in series(runs[index]))
                {
                    var finite = points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
                    if (finite.Length == 0)
                    {
                        continue;
                    }

                    var line = plot.Add.ScatterLine(finite.Select(p => p.X).ToArray(), finite.Select(p => p.Y).ToArray());
                    line.Color = color;
                    line.LineWidth = 2;
                    line.LinePattern = dashed ? LinePattern.Dashed : LinePattern.Solid;
                    line.MarkerSize = markers ? 7 : 0;
                    line.LegendText = label;
                    labels.Add(label);
                }
            }

            if (labels.Count == 0)
            {
                return;
            }

            plot.Title(title);
            plot.XLabel(x);
            plot.YLabel(y);
            plot.ShowLegend(Alignment.UpperRight);
            var png = Path.Combine(directory, name + ".png");
            var svg = Path.Combine(directory, name + ".svg");
            plot.SavePng(png, width, height);
            plot.SaveSvg(svg, width, height);
            written.Add(new FigureWritten(name, png, svg, width, height, labels));
        }

        Figure("loss", "Training loss", "step", "loss (mean over the step's micro-batches)",
            run => [(run.Label, run.Loss, false, false)]);
        Figure("test-accuracy", "Test accuracy during training", "steps trained", "test accuracy (%)",
            run => [(run.Label, [.. run.Accuracy.Select(p => (p.Steps, 100 * p.Accuracy))], false, true)]);
        // Two figures: the pool's reserve is often far above the activations, which would flatten them.
        Figure("activations", "Live activation bytes against time", "wall-clock time (s)", "MB",
            run => [(run.Label, [.. run.LiveActivations.Select(p => (p.Seconds, p.Bytes / 1e6))], false, false)]);
        Figure("reserved", "Bytes the memory pool reserved against time", "wall-clock time (s)", "MB",
            run => [(run.Label, [.. run.Reserved.Select(p => (p.Seconds, p.Bytes / 1e6))], false, false)]);
        Figure("links", "Tensor bytes sent per link (a run's second link dashed)", "wall-clock time (s)", "MB sent (cumulative)",
            run => run.Links.Select((link, index) => ($"{run.Label}: {ShortLink(link.Key)}", (IReadOnlyList<(double, double)>)[.. link.Value.Select(p => (p.Seconds, p.Bytes / 1e6))], index % 2 == 1, false)));
        return written;
    }

    /// <summary>"akka.tcp://cyclic@10.0.0.2:4053->akka.tcp://cyclic@10.0.0.3:4053" as "10.0.0.2:4053->10.0.0.3:4053".</summary>
    public static string ShortLink(string link) =>
        string.Join("->", link.Split("->").Select(end => end.Contains('@', StringComparison.Ordinal) ? end[(end.LastIndexOf('@') + 1)..] : end));
}
