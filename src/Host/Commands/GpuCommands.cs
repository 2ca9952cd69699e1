using System.Globalization;
using CyclicActors.GpuDiagnostics;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Reporting;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `cyclic selftest-gpu` (CUDA-vs-CPU parity table, final "N passed, N failed"; without a GPU it
/// prints the probe's reason, "0 passed, 0 failed, skipped" and exits 0) and `cyclic bench-gpu`
/// (convolution/GEMM throughput via CUDA events). Both run on the GPU machine, which has no dotnet.
/// </summary>
internal static class GpuCommands
{
    public const string SelfTestSummary = "CUDA vs CPU parity for every op and a training step per preset";
    public const string BenchmarkSummary = "achieved TFLOP/s of the largest convolutions and GEMMs on the GPU";

    public static readonly IReadOnlyList<OptionSpec> SelfTestSpecs =
    [
        new("device", "N", "CUDA device ordinal", "0"),
        new("allow-tf32", null, "let cuDNN/cuBLAS use TF32 (parity tolerances assume FP32)"),
        new("help", null, "show this help"),
    ];

    public static readonly IReadOnlyList<OptionSpec> BenchmarkSpecs =
    [
        new("device", "N", "CUDA device ordinal", "0"),
        new("allow-tf32", null, "let cuDNN/cuBLAS use TF32"),
        new("batch", "B,B", "batch sizes", "32,128"),
        new("iterations", "N", "timed calls per shape", "20"),
        new("peak-gemm", "N", "side of a square GEMM measured as a peak reference (0: none)", "4096"),
        new("json", "FILE", "write the results as JSON"),
        new("help", null, "show this help"),
    ];

    public static int SelfTest(ParsedOptions options)
    {
        var summary = DeviceDiagnostics.RunSelfTest(Target(options), Console.Out);
        return summary.Failed == 0 ? 0 : 1;
    }

    public static int Benchmark(ParsedOptions options)
    {
        var target = Target(options);
        int[] batches = options.String("batch", "32,128").Split(',').Select(text =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) && b > 0 ? b : throw new UsageException($"--batch must list positive integers; got '{text}'")).ToArray();
        int iterations = options.Int("iterations", 20, 1, 100_000);
        int peakGemm = options.Int("peak-gemm", 4096, 0, 32768);
        if (options.String("json") is { } jsonFile)
        {
            OutputPaths.CheckFile("json", jsonFile);
        }

        if (DeviceDiagnostics.RunBenchmark(target, batches, iterations, peakGemm, Console.Out) is not { } run)
        {
            return 2;
        }

        if (options.String("json") is { } jsonPath)
        {
            AtomicFile.WriteAllText(jsonPath, run.ToJson());
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static GpuTarget Target(ParsedOptions options) => new(options.Int("device", 0, 0, 64), options.Flag("allow-tf32"));
}
