using System.Globalization;
using System.Text;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuDiagnostics;

/// <summary>A dense-layer GEMM: y[batch, outFeatures] = x[batch, inFeatures]·wᵀ (2·batch·in·out FLOPs).</summary>
internal readonly record struct GemmShape(int Batch, int InFeatures, int OutFeatures)
{
    public double Flops => 2.0 * Batch * InFeatures * OutFeatures;

    public override string ToString() => $"{Batch}x{InFeatures}->{OutFeatures}";
}

/// <summary>
/// Convolution and GEMM micro-benchmarks for the benchmark script: each op is queued
/// <c>iterations</c> times between two CUDA events after <c>warmup</c> untimed calls (which also
/// plan algorithms and warm the allocator), so the numbers are GPU time, not launch overhead.
/// </summary>
internal static class GpuBenchmark
{
    /// <summary>The convolution layers of the cnn and resnet-mini models (bench/gpu/torch_bench.py) at a batch size.</summary>
    public static IReadOnlyList<Conv2dShape> ModelConvolutions(int batch) =>
    [
        new(batch, 1, 28, 28, 32, 3, 3, 1, 0),   // cnn conv1
        new(batch, 32, 13, 13, 64, 3, 3, 1, 0),  // cnn conv2
        new(batch, 3, 32, 32, 32, 3, 3, 1, 1),   // resnet-mini stem
        new(batch, 32, 32, 32, 32, 3, 3, 1, 1),  // block 1 (32→32, s1)
        new(batch, 32, 32, 32, 64, 3, 3, 2, 1),  // block 2 conv a (s2)
        new(batch, 64, 16, 16, 64, 3, 3, 1, 1),  // block 2 conv b, block 3
        new(batch, 32, 32, 32, 64, 1, 1, 2, 0),  // block 2 projection
        new(batch, 64, 16, 16, 128, 3, 3, 2, 1), // block 4 conv a
        new(batch, 128, 8, 8, 128, 3, 3, 1, 1),  // block 4 conv b
        new(batch, 64, 16, 16, 128, 1, 1, 2, 0), // block 4 projection
    ];

    /// <summary>The dense layers of both models, plus a square GEMM of side <paramref name="peakSide"/> as a peak reference (0: none).</summary>
    public static IReadOnlyList<GemmShape> ModelGemms(int batch, int peakSide = 4096) =>
        peakSide > 0
            ? [new(batch, 1600, 128), new(batch, 128, 10), new(batch, 8192, 10), new(peakSide, peakSide, peakSide)]
            : [new(batch, 1600, 128), new(batch, 128, 10), new(batch, 8192, 10)];

    /// <summary>Runs every shape; <paramref name="onResult"/> sees each result as soon as it is measured.</summary>
    public static IReadOnlyList<ThroughputResult> Run(
        CudaBackend gpu, IEnumerable<Conv2dShape> convolutions, IEnumerable<GemmShape> gemms, int warmup = 3, int iterations = 20, Action<ThroughputResult>? onResult = null)
    {
        var results = new List<ThroughputResult>();
        void Add(ThroughputResult result)
        {
            results.Add(result);
            onResult?.Invoke(result);
        }

        foreach (Conv2dShape shape in convolutions)
        {
            foreach (ThroughputResult result in Convolution(gpu, shape, warmup, iterations))
            {
                Add(result);
            }
        }

        foreach (GemmShape shape in gemms)
        {
            Add(Gemm(gpu, shape, warmup, iterations));
        }

        return results;
    }

    public static string ToJson(IReadOnlyList<ThroughputResult> results, string device)
    {
        var json = new StringBuilder();
        json.Append(CultureInfo.InvariantCulture, $"{{\"device\": \"{device.Replace("\"", "'", StringComparison.Ordinal)}\", \"results\": [");
        for (int i = 0; i < results.Count; i++)
        {
            ThroughputResult r = results[i];
            json.Append(i == 0 ? "\n  " : ",\n  ");
            json.Append(CultureInfo.InvariantCulture,
                $"{{\"kind\": \"{r.Kind}\", \"shape\": \"{r.Shape}\", \"iterations\": {r.Iterations}, \"ms_per_call\": {r.MillisecondsPerCall:G6}, \"tflops\": {r.Tflops:G6}}}");
        }

        json.Append("\n]}\n");
        return json.ToString();
    }

    private static IEnumerable<ThroughputResult> Convolution(CudaBackend gpu, Conv2dShape s, int warmup, int iterations)
    {
        using var x = gpu.Allocate(s.InputElements, MemoryTag.Activations);
        using var w = gpu.Allocate(s.WeightElements, MemoryTag.Parameters);
        using var b = gpu.Allocate(s.OutChannels, MemoryTag.Parameters);
        using var y = gpu.Allocate(s.OutputElements, MemoryTag.Activations);
        using var dw = gpu.Allocate(s.WeightElements, MemoryTag.Gradients);
        using var db = gpu.Allocate(s.OutChannels, MemoryTag.Gradients);
        foreach (DeviceBuffer buffer in new[] { x, w, b, y })
        {
            gpu.Fill(buffer, 0.01f);
        }

        double flops = 2.0 * s.OutputElements * s.InChannels * s.KernelH * s.KernelW;
        string shape = $"{s.Batch}x{s.InChannels}x{s.Height}x{s.Width} k{s.KernelH} s{s.Stride} p{s.Padding} ->{s.OutChannels}";
        yield return Time(gpu, "conv-fwd", shape, flops, warmup, iterations, () => gpu.Conv2dForward(x, w, b, y, s));
        yield return Time(gpu, "conv-bwd-data", shape, flops, warmup, iterations, () => gpu.Conv2dBackwardData(y, w, x, s));
        yield return Time(gpu, "conv-bwd-filter", shape, flops, warmup, iterations, () => gpu.Conv2dBackwardParameters(x, y, dw, db, s));
    }

    private static ThroughputResult Gemm(CudaBackend gpu, GemmShape g, int warmup, int iterations)
    {
        using var x = gpu.Allocate((long)g.Batch * g.InFeatures, MemoryTag.Activations);
        using var w = gpu.Allocate((long)g.OutFeatures * g.InFeatures, MemoryTag.Parameters);
        using var b = gpu.Allocate(g.OutFeatures, MemoryTag.Parameters);
        using var y = gpu.Allocate((long)g.Batch * g.OutFeatures, MemoryTag.Activations);
        foreach (DeviceBuffer buffer in new[] { x, w, b })
        {
            gpu.Fill(buffer, 0.01f);
        }

        return Time(gpu, "dense-fwd", g.ToString(), g.Flops, warmup, iterations, () => gpu.DenseForward(x, w, b, y, g.Batch, g.InFeatures, g.OutFeatures));
    }

    private static ThroughputResult Time(CudaBackend gpu, string kind, string shape, double flops, int warmup, int iterations, Action call)
    {
        for (int i = 0; i < warmup; i++)
        {
            call();
        }

        gpu.Synchronize();
        float total = gpu.MeasureMilliseconds(() =>
        {
            for (int i = 0; i < iterations; i++)
            {
                call();
            }
        });
        double perCall = total / iterations;
        return new ThroughputResult(kind, shape, iterations, perCall, flops / (perCall * 1e-3) / 1e12);
    }
}
