using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CyclicActors.Bench.Gemm;
using CyclicActors.GpuCompute.Cpu;

// Single-thread SGEMM throughput, ours against OpenBLAS, on square row-major problems.
// Usage: GemmBench [--label NAME] [--command "how it was run"] [--out bench/results/gemm-cpu] [--sizes 256,512,1024]
var options = Options.Parse(args);
OpenBlas? blas = OpenBlas.TryLoad();
string coreTypeEnv = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)";
string l2SizeEnv = Environment.GetEnvironmentVariable("OPENBLAS_L2_SIZE") ?? "(unset)";

Console.WriteLine($"our kernel: {Gemm.Preferred}   cpu: {Machine.CpuModel()}   .NET {Environment.Version}");
if (blas is null)
{
    Console.WriteLine($"OpenBLAS ({OpenBlas.LibraryName}) not found; reporting ours only. Install it with:");
    Console.WriteLine("  apt-get update && apt-get install -y libopenblas0-pthread");
}
else
{
    Console.WriteLine($"OpenBLAS core: {blas.CoreName}   config: {blas.Config}   OPENBLAS_CORETYPE={coreTypeEnv}   OPENBLAS_L2_SIZE={l2SizeEnv}");
}

var rows = new List<JsonObject>();
foreach (int size in options.Sizes)
{
    var measurement = Measure(size, blas);
    rows.Add(measurement);
    Console.WriteLine(
        $"{size,5}³  ours {measurement["oursGflops"],6} (best {measurement["oursBestGflops"],6}) GFLOP/s   openblas {measurement["openblasGflops"]?.ToString() ?? "n/a",6} (best {measurement["openblasBestGflops"]?.ToString() ?? "n/a",6}) GFLOP/s   ratio {measurement["ratio"]?.ToString() ?? "n/a"} (paired {measurement["pairedRatioMedian"]?.ToString() ?? "n/a"})   max |diff| {measurement["maxAbsDifference"]?.ToString() ?? "n/a"}");
}

var run = new JsonObject
{
    ["label"] = options.Label,
    ["command"] = options.Command,
    ["timestampUtc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture),
    ["cpu"] = Machine.CpuModel(),
    ["logicalCores"] = Environment.ProcessorCount,
    ["loadAverageAtEnd"] = Machine.LoadAverage(),
    ["dotnet"] = Environment.Version.ToString(),
    ["ourKernel"] = Gemm.Preferred.ToString(),
    ["openblasCore"] = blas?.CoreName,
    ["openblasConfig"] = blas?.Config,
    ["OPENBLAS_CORETYPE"] = coreTypeEnv,
    ["OPENBLAS_L2_SIZE"] = l2SizeEnv,
    ["results"] = new JsonArray([.. rows]),
};
Report.Save(options.OutputStem, run);
return 0;

static JsonObject Measure(int size, OpenBlas? blas)
{
    float[] a = Random(1, size * size), b = Random(2, size * size), ours = new float[size * size], theirs = new float[size * size];
    var workspace = new float[Gemm.WorkspaceLength(size, size, size)];
    void RunOurs() => Gemm.Multiply(size, size, size, a, size, 1, b, size, 1, ours, size, accumulate: false, workspace);

    // Interleaved repetitions, so drift on a shared machine hits both libraries alike.
    int repetitions = size <= 256 ? 41 : size <= 512 ? 21 : 11;
    var ourTimes = new List<double>();
    var theirTimes = new List<double>();
    for (int warmUp = 0; warmUp < 3; warmUp++)
    {
        RunOurs();
        blas?.Multiply(size, size, size, a, b, theirs);
    }

    for (int i = 0; i < repetitions; i++)
    {
        ourTimes.Add(Time(RunOurs));
        if (blas is not null)
        {
            theirTimes.Add(Time(() => blas.Multiply(size, size, size, a, b, theirs)));
        }
    }

    double flops = 2.0 * size * size * size;
    double ourGflops = flops / Median(ourTimes) / 1e9;
    var row = new JsonObject
    {
        ["size"] = size,
        ["repetitions"] = repetitions,
        ["oursMedianMs"] = Math.Round(Median(ourTimes) * 1e3, 3),
        ["oursGflops"] = Math.Round(ourGflops, 1),
        ["oursBestGflops"] = Math.Round(flops / ourTimes.Min() / 1e9, 1),
    };
    if (blas is not null)
    {
        double theirGflops = flops / Median(theirTimes) / 1e9;
        row["openblasMedianMs"] = Math.Round(Median(theirTimes) * 1e3, 3);
        row["openblasGflops"] = Math.Round(theirGflops, 1);
        row["openblasBestGflops"] = Math.Round(flops / theirTimes.Min() / 1e9, 1);
        row["ratio"] = Math.Round(ourGflops / theirGflops, 3);

        // Each repetition times ours and OpenBLAS back to back, so load that lasts across the pair cancels in its ratio.
        row["pairedRatioMedian"] = Math.Round(Median(theirTimes.Zip(ourTimes, (theirs, ours) => theirs / ours).ToList()), 3);
        row["maxAbsDifference"] = ours.Zip(theirs, (x, y) => Math.Abs(x - y)).Max();
    }

    return row;
}

static double Time(Action action)
{
    long start = Stopwatch.GetTimestamp();
    action();
    return Stopwatch.GetElapsedTime(start).TotalSeconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static float[] Random(int seed, int length)
{
    var random = new Random(seed);
    var values = new float[length];
    for (int i = 0; i < length; i++)
    {
        values[i] = (random.NextSingle() * 2f) - 1f;
    }

    return values;
}

internal sealed record Options(string Label, string Command, string OutputStem, int[] Sizes)
{
    public static Options Parse(string[] args)
    {
        string label = "default", command = "dotnet bench/GemmBench/bin/Release/net10.0/GemmBench.dll", output = "bench/results/gemm-cpu";
        int[] sizes = [256, 512, 1024];
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--label": label = args[i + 1]; break;
                case "--command": command = args[i + 1]; break;
                case "--out": output = args[i + 1]; break;
                case "--sizes": sizes = args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        return new Options(label, command, output, sizes);
    }
}

internal static class Machine
{
    /// <summary>The 1/5/15-minute load averages: other work on a shared machine shows up here and in the medians.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        string? line = File.Exists(cpuInfo) ? File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
    }
}

/// <summary>Keeps one entry per label in the JSON file and renders every entry as markdown.</summary>
internal static class Report
{
    public static void Save(string stem, JsonObject run)
    {
        string jsonPath = stem + ".json";
        var runs = File.Exists(jsonPath) ? JsonNode.Parse(File.ReadAllText(jsonPath))!["runs"]!.AsArray() : new JsonArray();
        var kept = runs.Where(r => r!["label"]!.GetValue<string>() != run["label"]!.GetValue<string>()).Select(r => r!.DeepClone()).ToList();
        kept.Add(run);
        var document = new JsonObject { ["benchmark"] = "single-thread SGEMM, C = A·B, square, row-major", ["runs"] = new JsonArray([.. kept]) };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(stem + ".md", Markdown(kept));
        Console.WriteLine($"wrote {jsonPath} and {stem}.md");
    }

    private static string Markdown(List<JsonNode> runs)
    {
        var text = new StringBuilder("# Single-thread SGEMM: ours vs OpenBLAS\n\nGFLOP/s = 2n³ / median time (best = fastest repetition, less sensitive to other load on a shared machine); the paired ratio is the median over repetitions of OpenBLAS time / our time measured back to back; OpenBLAS pinned to 1 thread with `openblas_set_num_threads(1)`.\n");
        foreach (var run in runs)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n## {run["label"]}\n\n");
            text.Append(CultureInfo.InvariantCulture, $"- command: `{run["command"]}`\n- when (UTC): {run["timestampUtc"]}; CPU: {run["cpu"]}, {run["logicalCores"]} logical cores; load average at the end {run["loadAverageAtEnd"]}; .NET {run["dotnet"]}\n");
            text.Append(CultureInfo.InvariantCulture, $"- our kernel: {run["ourKernel"]}; OpenBLAS core: {run["openblasCore"] ?? "not installed"}; OPENBLAS_CORETYPE={run["OPENBLAS_CORETYPE"]}, OPENBLAS_L2_SIZE={run["OPENBLAS_L2_SIZE"]}\n");
            text.Append(CultureInfo.InvariantCulture, $"- OpenBLAS config: {run["openblasConfig"] ?? "n/a"}\n");
            if (run["openblasCore"]?.GetValue<string>() == "Prescott")
            {
                text.Append("- note: OpenBLAS did not recognise this CPU and fell back to its SSE3 Prescott kernels, so this is not a fair baseline; pin a core type (OPENBLAS_CORETYPE=SkylakeX) for the AVX-512 comparison\n");
            }

            text.Append('\n');
            text.Append("| n | ours GFLOP/s | OpenBLAS GFLOP/s | ours / OpenBLAS (medians) | median of paired ratios | ours best | OpenBLAS best | ours ms | OpenBLAS ms | max abs diff |\n|---|---|---|---|---|---|---|---|---|---|\n");
            foreach (var row in run["results"]!.AsArray())
            {
                text.Append(CultureInfo.InvariantCulture, $"| {row!["size"]} | {row["oursGflops"]} | {row["openblasGflops"] ?? "n/a"} | {row["ratio"] ?? "n/a"} | {row["pairedRatioMedian"] ?? "n/a"} | {row["oursBestGflops"]} | {row["openblasBestGflops"] ?? "n/a"} | {row["oursMedianMs"]} | {row["openblasMedianMs"] ?? "n/a"} | {row["maxAbsDifference"] ?? "n/a"} |\n");
            }
        }

        return text.ToString();
    }
}
