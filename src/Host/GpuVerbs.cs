using System.Globalization;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Cuda.SelfTest;

namespace CyclicActors.Host;

/// <summary>
/// The GPU verbs of the <c>cyclic</c> executable, run on the GPU test machine (which has no dotnet):
/// <c>selftest-gpu</c> (CUDA-vs-CPU parity table, final "N passed, N failed") and <c>bench-gpu</c>
/// (convolution/GEMM throughput via CUDA events, optional JSON).
/// Exit codes: 0 success, 1 failures, 2 no usable GPU (the probe's reason is printed), 64 bad usage.
/// </summary>
internal static class GpuVerbs
{
    public static int SelfTest(string[] args)
    {
        CudaBackendOptions options = ParseOptions(args);
        SelfTestSummary summary = new GpuSelfTest(options).Run(Console.Out);
        return summary.Skipped ? 2 : summary.Failed == 0 ? 0 : 1;
    }

    public static int Benchmark(string[] args)
    {
        CudaBackendOptions options = ParseOptions(args);
        int[] batches = (Value(args, "--batch") ?? "32,128").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
        int iterations = int.Parse(Value(args, "--iterations") ?? "20", CultureInfo.InvariantCulture);
        string? jsonPath = Value(args, "--json");
        int peakGemm = int.Parse(Value(args, "--peak-gemm") ?? "4096", CultureInfo.InvariantCulture);

        ProbeResult probe = BackendProbe.ProbeCuda(options.DeviceOrdinal);
        Console.WriteLine($"probe: {probe.Summary}");
        if (!probe.IsAvailable)
        {
            Console.WriteLine(probe.Trace.TrimEnd());
            return 2;
        }

        using var gpu = new CudaBackend(options);
        var results = new List<ThroughputResult>();
        Console.WriteLine($"{"kind",-16} {"shape",-36} {"ms/call",10} {"TFLOP/s",9}");
        void Print(ThroughputResult r) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Kind,-16} {r.Shape,-36} {r.MillisecondsPerCall,10:F4} {r.Tflops,9:F2}"));
        foreach (int batch in batches)
        {
            results.AddRange(GpuBenchmark.Run(gpu, GpuBenchmark.ModelConvolutions(batch), GpuBenchmark.ModelGemms(batch, peakGemm), warmup: 3, iterations, Print));
        }

        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, GpuBenchmark.ToJson(results, $"{gpu.Name} TF32 {(options.AllowTf32 ? "on" : "off")}"));
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static CudaBackendOptions ParseOptions(string[] args) => new()
    {
        DeviceOrdinal = int.Parse(Value(args, "--device") ?? "0", CultureInfo.InvariantCulture),
        AllowTf32 = args.Contains("--allow-tf32"),
    };

    private static string? Value(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
