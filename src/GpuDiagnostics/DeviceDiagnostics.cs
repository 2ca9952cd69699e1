using System.Globalization;
using CyclicActors.GpuCompute.Cuda;

namespace CyclicActors.GpuDiagnostics;

/// <summary>
/// The two GPU diagnostics of the CLI, `selftest-gpu` and `bench-gpu`, and the only public way into
/// this assembly: the host names no CUDA type, so it reaches CUDA only through backend selection and
/// these two calls. Both probe first; without a usable GPU they print the probe's reason instead of running.
/// </summary>
public static class DeviceDiagnostics
{
    /// <summary>CUDA-vs-CPU parity for every op, the device checks, and one training step per model preset.</summary>
    public static SelfTestSummary RunSelfTest(GpuTarget target, TextWriter output)
    {
        var selfTest = new GpuSelfTest(target.ToCudaOptions());
        foreach (var (name, check) in PresetStepCheck.All())
        {
            selfTest.Register(name, check);
        }

        return selfTest.Run(output);
    }

    /// <summary>
    /// Times the model's convolutions and GEMMs at each batch size (the square peak GEMM at the last one
    /// only), printing each row as it is measured; null when there is no usable GPU.
    /// </summary>
    public static BenchmarkRun? RunBenchmark(GpuTarget target, IReadOnlyList<int> batches, int iterations, int peakGemmSide, TextWriter output)
    {
        CudaBackendOptions cuda = target.ToCudaOptions();
        ProbeResult probe = BackendProbe.ProbeCuda(cuda.DeviceOrdinal);
        output.WriteLine($"probe: {probe.Summary}");
        if (!probe.IsAvailable)
        {
            output.WriteLine(probe.Trace.TrimEnd());
            return null;
        }

        using var gpu = new CudaBackend(cuda);
        var results = new List<ThroughputResult>();
        output.WriteLine($"{"kind",-16} {"shape",-36} {"ms/call",10} {"TFLOP/s",9}");
        foreach (int batch in batches)
        {
            // Printed as measured, so a timeout still leaves the rows done so far in the log.
            results.AddRange(GpuBenchmark.Run(gpu, GpuBenchmark.ModelConvolutions(batch), GpuBenchmark.ModelGemms(batch, batch == batches[^1] ? peakGemmSide : 0), warmup: 3, iterations,
                r => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Kind,-16} {r.Shape,-36} {r.MillisecondsPerCall,10:F4} {r.Tflops,9:F2}"))));
        }

        return new BenchmarkRun(results, $"{gpu.Name} TF32 {(cuda.AllowTf32 ? "on" : "off")}");
    }
}
