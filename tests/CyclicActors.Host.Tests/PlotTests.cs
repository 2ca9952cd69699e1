using System.Buffers.Binary;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// `cyclic plot` and `train --plot` from real run outputs: each figure is a valid PNG of the stated
/// size (and an SVG beside it) with one series per run; bad inputs get one line naming the problem.
/// </summary>
public sealed class PlotTests
{
    private static readonly Lazy<(string Dir, string[] Files)> Runs = new(() =>
    {
        string dir = CliRunner.TempDirectory();
        var files = new List<string>();
        foreach (var rule in new[] { "dp", "cdp-v2" })
        {
            string metrics = Path.Combine(dir, $"{rule}.jsonl"), summary = Path.Combine(dir, $"{rule}.json"), trace = Path.Combine(dir, $"{rule}.trace.json");
            var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--steps", "12", "--eval-every", "4", "--rule", rule, "--data", CliRunner.BundledData,
                "--backend", "cpu", "--quiet", "--metrics", metrics, "--summary", summary, "--trace", trace);
            Assert.True(code == 0, output + error);
            files.AddRange([metrics, summary, trace]);
        }

        return (dir, files.ToArray());
    });

    [Fact]
    public void Every_figure_is_a_png_of_the_stated_size_with_one_series_per_run()
    {
        string outDir = Path.Combine(CliRunner.TempDirectory(), "figures");
        var (code, output, error) = CliRunner.Run(["plot", .. Runs.Value.Files, "--out", outDir, "--width", "800", "--height", "500"]);
        Assert.True(code == 0, output + error);

        foreach (var figure in new[] { "loss", "test-accuracy", "activations", "reserved" })
        {
            AssertPng(Path.Combine(outDir, figure + ".png"), 800, 500);
            Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"800\" height=\"500\">", File.ReadAllText(Path.Combine(outDir, figure + ".svg")));
            // The runs are named after their files: dp.jsonl, dp.json and dp.trace.json are one run.
            Assert.Contains($"plot: {Path.Combine(outDir, figure + ".png")} (and .svg): dp, cdp-v2", output);
        }

        // One process has no links to draw.
        Assert.False(File.Exists(Path.Combine(outDir, "links.png")));
    }

    [Fact]
    public void Labels_name_the_runs_and_train_plot_draws_its_own_run()
    {
        string outDir = Path.Combine(CliRunner.TempDirectory(), "labelled");
        var files = Runs.Value.Files;
        var (code, output, error) = CliRunner.Run("plot", $"DP={files[0]}", $"CDP-v2={files[3]}", "--out", outDir);
        Assert.True(code == 0, output + error);
        Assert.Contains("loss.png (and .svg): DP, CDP-v2", output);

        string plots = Path.Combine(CliRunner.TempDirectory(), "train-plots");
        var (trainCode, trainOut, trainError) = CliRunner.Run("train", "--model", "mlp", "--steps", "6", "--eval-every", "3", "--data", CliRunner.BundledData, "--backend", "cpu", "--quiet", "--plot", plots);
        Assert.True(trainCode == 0, trainOut + trainError);
        Assert.True(File.Exists(Path.Combine(plots, "metrics.jsonl")));
        AssertPng(Path.Combine(plots, "loss.png"), 1200, 700);
        Assert.Contains("test-accuracy.png (and .svg): cdp-v2", trainOut);
    }

    [Theory]
    [InlineData(2, "cyclic plot needs at least one FILE")]
    [InlineData(2, "cyclic plot needs --out DIR")]
    [InlineData(1, "is neither a metrics file (JSON lines), a trace (traceEvents) nor a summary (parameter_sha256)")]
    [InlineData(1, "is not the JSON a run writes")]
    [InlineData(1, "does not exist")]
    [InlineData(2, "is a file; the figures go into a directory")]
    public void Bad_input_is_one_line_naming_the_problem(int exitCode, string message)
    {
        string dir = CliRunner.TempDirectory();
        string other = Path.Combine(dir, "other.json"), broken = Path.Combine(dir, "broken.json"), file = Path.Combine(dir, "file");
        File.WriteAllText(other, "{\"hello\": 1}");
        File.WriteAllText(broken, "{\"step\": ");
        File.WriteAllText(file, "");
        string[] args = message switch
        {
            "cyclic plot needs at least one FILE" => ["plot", "--out", dir],
            "cyclic plot needs --out DIR" => ["plot", other],
            "is not the JSON a run writes" => ["plot", broken, "--out", dir],
            "does not exist" => ["plot", Path.Combine(dir, "missing.jsonl"), "--out", dir],
            "is a file; the figures go into a directory" => ["plot", other, "--out", file],
            _ => ["plot", other, "--out", dir],
        };
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(exitCode, code);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    /// <summary>The PNG signature, then the IHDR chunk's width and height (big-endian).</summary>
    internal static void AssertPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal((width, height), (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20))));
    }
}
