using System.Diagnostics;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuDiagnostics;

/// <summary>Checks that only make sense on the CUDA backend: event timing and allocator caching.</summary>
internal static class DeviceChecks
{
    /// <summary>
    /// Event time of a 1024³ GEMM must be positive, not exceed the host wall time around it, and
    /// grow when the same work is queued four times (events really bracket the queued work).
    /// </summary>
    public static IEnumerable<CheckResult> EventTiming(CudaBackend gpu)
    {
        const int n = 1024;
        using var x = gpu.Allocate((long)n * n, MemoryTag.Workspace);
        using var w = gpu.Allocate((long)n * n, MemoryTag.Workspace);
        using var b = gpu.Allocate(n, MemoryTag.Workspace);
        using var y = gpu.Allocate((long)n * n, MemoryTag.Workspace);
        gpu.Fill(x, 0.5f);
        gpu.Fill(w, 0.25f);
        gpu.Fill(b, 0f);
        void Gemm() => gpu.DenseForward(x, w, b, y, n, n, n);
        gpu.MeasureMilliseconds(Gemm); // warm-up (cuBLAS kernel selection)
        gpu.Synchronize();

        var clock = Stopwatch.StartNew();
        float once = gpu.MeasureMilliseconds(Gemm);
        double wall = clock.Elapsed.TotalMilliseconds;
        float four = gpu.MeasureMilliseconds(() => { Gemm(); Gemm(); Gemm(); Gemm(); });
        bool passed = once > 0 && once <= wall + 0.5 && four > 1.5 * once;
        double tflops = 2.0 * n * n * n / (once * 1e-3) / 1e12;
        yield return new CheckResult("event timing", $"GEMM {n}^3", 0, 0, 0, passed,
            $"1x {once:F3} ms (wall {wall:F3} ms), 4x {four:F3} ms, {tflops:F1} TFLOP/s");

        // Each element of y is Σ 0.5·0.25 over n terms = n/8 exactly representable: a value check too.
        var row = new float[n];
        gpu.Download(y.Slice(0, n), row);
        yield return ErrorMeasure.Compare("GEMM value after timing", $"{n}^3", Enumerable.Repeat(n / 8f, n).ToArray(), row, Tolerances.Exact);
    }

    /// <summary>Repeating an op with the same shapes must not allocate device memory again.</summary>
    public static IEnumerable<CheckResult> AllocatorCaching(CudaBackend gpu)
    {
        var shape = new Conv2dShape(8, 16, 12, 12, 16, 3, 3, 1, 1);
        void Step()
        {
            using var x = gpu.Allocate(shape.InputElements, MemoryTag.Activations);
            using var w = gpu.Allocate(shape.WeightElements, MemoryTag.Parameters);
            using var b = gpu.Allocate(shape.OutChannels, MemoryTag.Parameters);
            using var y = gpu.Allocate(shape.OutputElements, MemoryTag.Activations);
            gpu.Fill(x, 1f);
            gpu.Fill(w, 1f);
            gpu.Fill(b, 0f);
            gpu.Conv2dForward(x, w, b, y, shape);
        }

        Step();
        long before = gpu.DeviceAllocations;
        long reserved = gpu.ReservedBytes;
        Step();
        Step();
        gpu.Synchronize();
        long after = gpu.DeviceAllocations;
        yield return new CheckResult("allocator caching", "conv step x2", 0, 0, 0, after == before,
            $"cuMemAlloc calls {before} -> {after}, reserved {reserved} B -> {gpu.ReservedBytes} B; {gpu.DescribeConvolution(shape)}");
    }

    /// <summary>
    /// Calls from another OS thread must work: every entry point makes the context current
    /// (actors move between threads). A fresh thread has no current context at all.
    /// </summary>
    public static IEnumerable<CheckResult> ThreadHop(CudaBackend gpu)
    {
        using var buffer = gpu.Allocate(4096, MemoryTag.Workspace);
        var host = new float[4096];
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                gpu.Fill(buffer, 3.25f);
                gpu.Download(buffer, host);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        yield return failure is null
            ? ErrorMeasure.Compare("call from another thread", "fill+download 4096", Enumerable.Repeat(3.25f, host.Length).ToArray(), host, Tolerances.Exact)
            : CheckResult.Fail("call from another thread", "fill+download 4096", $"{failure.GetType().Name}: {failure.Message}");
    }

    /// <summary>
    /// A second backend on the same device and pool (as for several workers per GPU) works alongside
    /// the first, and disposing it (one primary-context release) leaves the first usable.
    /// </summary>
    public static IEnumerable<CheckResult> SharedDevice(CudaBackend gpu)
    {
        var host = new float[1000];
        using (var second = new CudaBackend(gpu.Options with { CublasWorkspaceBytes = 0, OnesCapacity = 1 }, ledger: null, gpu.Pool))
        {
            using var other = second.Allocate(1000, MemoryTag.Workspace);
            second.Fill(other, -1.5f);
            second.Download(other, host);
        }

        yield return ErrorMeasure.Compare("second backend on the device", "fill+download 1000", Enumerable.Repeat(-1.5f, host.Length).ToArray(), host, Tolerances.Exact);

        using var mine = gpu.Allocate(1000, MemoryTag.Workspace);
        gpu.Fill(mine, 0.5f);
        gpu.Download(mine, host);
        yield return ErrorMeasure.Compare("first backend after second disposed", "fill+download 1000", Enumerable.Repeat(0.5f, host.Length).ToArray(), host, Tolerances.Exact);
    }

    /// <summary>
    /// The shared pool's cross-stream rule on the device: the first backend queues four GEMMs that
    /// write a block and frees it at once; a second backend on the same pool (its own stream) rents a
    /// block of that size (a size nothing else uses, so it is that block), fills it and reads it back.
    /// Without the wait on the free event, the GEMMs still running would overwrite the fill with 128.
    /// </summary>
    public static IEnumerable<CheckResult> CrossStreamReuse(CudaBackend gpu)
    {
        const int n = 1024;
        const int odd = 7; // makes the block size unique in the pool
        CudaDevicePool pool = gpu.Pool!;
        using var second = new CudaBackend(gpu.Options with { CublasWorkspaceBytes = 0, OnesCapacity = 1 }, ledger: null, pool);
        using var x = gpu.Allocate((long)n * n, MemoryTag.Workspace);
        using var w = gpu.Allocate((long)n * n, MemoryTag.Workspace);
        using var b = gpu.Allocate(n, MemoryTag.Workspace);
        gpu.Fill(x, 0.5f);
        gpu.Fill(w, 0.25f);
        gpu.Fill(b, 0f);
        var y = gpu.Allocate((long)n * n + odd, MemoryTag.Workspace);
        gpu.Synchronize();
        long allocations = pool.DeviceAllocations;
        long waits = pool.CrossStreamWaits;
        for (int i = 0; i < 4; i++)
        {
            gpu.DenseForward(x, w, b, y.Slice(0, (long)n * n), n, n, n);
        }

        y.Dispose(); // the free event is recorded behind the GEMMs
        using var z = second.Allocate((long)n * n + odd, MemoryTag.Workspace);
        second.Fill(z, -2f);
        var host = new float[n * n + odd];
        second.Download(z, host);
        yield return ErrorMeasure.Compare("block reused across streams", "fill after 4 GEMMs", Enumerable.Repeat(-2f, host.Length).ToArray(), host, Tolerances.Exact);

        long? used = pool.DeviceUsedBytes();
        bool reused = pool.DeviceAllocations == allocations;
        yield return new CheckResult("shared device pool", pool.Device, 0, 0, 0, reused && used > 0,
            $"cuMemAlloc calls +{pool.DeviceAllocations - allocations}, stream waits +{pool.CrossStreamWaits - waits} (0 when the GEMMs had finished), " +
            $"reserved {pool.ReservedBytes >> 20} MiB (peak {pool.ReservedPeakBytes >> 20} MiB), device used {used >> 20} MiB");
    }
}
