using System.Globalization;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Cuda.SelfTest;
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
        var selfTest = new GpuSelfTest(CudaOptions(options));
        foreach (var (name, check) in PresetStepCheck.All())
        {
            selfTest.Register(name, check);
        }

        var summary = selfTest.Run(Console.Out);
        return summary.Failed == 0 ? 0 : 1;
    }

    public static int Benchmark(ParsedOptions options)
    {
        var cuda = CudaOptions(options);
        int[] batches = options.String("batch", "32,128").Split(',').Select(text =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) && b > 0 ? b : throw new UsageException($"--batch must list positive integers; got '{text}'")).ToArray();
        int iterations = options.Int("iterations", 20, 1, 100_000);
        int peakGemm = options.Int("peak-gemm", 4096, 0, 32768);
        if (options.String("json") is { } jsonFile)
        {
            OutputPaths.CheckFile("json", jsonFile);
        }

        var probe = BackendProbe.ProbeCuda(cuda.DeviceOrdinal);
        Console.WriteLine($"probe: {probe.Summary}");
        if (!probe.IsAvailable)
        {
            Console.WriteLine(probe.Trace.TrimEnd());
            return 2;
        }

        using var gpu = new CudaBackend(cuda);
        var results = new List<ThroughputResult>();
        Console.WriteLine($"{"kind",-16} {"shape",-36} {"ms/call",10} {"TFLOP/s",9}");
        foreach (int batch in batches)
        {
            // Printed as measured, so a timeout still leaves the rows done so far in the log.
            results.AddRange(GpuBenchmark.Run(gpu, GpuBenchmark.ModelConvolutions(batch), GpuBenchmark.ModelGemms(batch, batch == batches[^1] ? peakGemm : 0), warmup: 3, iterations,
                r => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Kind,-16} {r.Shape,-36} {r.MillisecondsPerCall,10:F4} {r.Tflops,9:F2}"))));
        }

        if (options.String("json") is { } jsonPath)
        {
            AtomicFile.WriteAllText(jsonPath, GpuBenchmark.ToJson(results, $"{gpu.Name} TF32 {(cuda.AllowTf32 ? "on" : "off")}"));
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static CudaBackendOptions CudaOptions(ParsedOptions options) => CudaBackendOptions.Default with
    {
        DeviceOrdinal = options.Int("device", 0, 0, 64),
        AllowTf32 = options.Flag("allow-tf32"),
    };
}
