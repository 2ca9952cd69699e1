using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;

namespace CyclicActors.GpuDiagnostics;

/// <summary>
/// CUDA-vs-CPU parity for every <see cref="IComputeBackend"/> operation, called by the host's
/// <c>cyclic selftest-gpu</c> verb. Prints the probe line, one table row per check (op, shape, max
/// abs error, max rel error, tolerance, PASS/FAIL) and a final "N passed, N failed" line. Each check
/// also verifies that both ledgers return to their baseline (nothing leaked), and after the GPU
/// backend is disposed that no native handle is left alive. Without a GPU it prints the probe's
/// reason and reports a skip. Further checks (e.g. one training step per model preset) are added
/// with <see cref="Register"/>.
/// </summary>
internal sealed class GpuSelfTest
{
    private readonly List<(string Name, Func<IComputeBackend, IComputeBackend, CheckResult> Check)> _extra = [];

    public GpuSelfTest(CudaBackendOptions? options = null, int seed = 20260127)
    {
        Options = options ?? CudaBackendOptions.Default;
        Seed = seed;
    }

    public CudaBackendOptions Options { get; }

    public int Seed { get; }

    /// <summary>Adds a check run after the built-in ones with (cpu, gpu) backends; exceptions count as failures.</summary>
    public void Register(string name, Func<IComputeBackend, IComputeBackend, CheckResult> check)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(check);
        _extra.Add((name, check));
    }

    /// <summary>Probes, then runs everything against a fresh CPU and CUDA backend.</summary>
    public SelfTestSummary Run(TextWriter output)
    {
        ProbeResult probe = BackendProbe.ProbeCuda(Options.DeviceOrdinal);
        output.WriteLine($"probe: {probe.Summary}");
        if (probe is ProbeResult.Unavailable unavailable)
        {
            output.WriteLine(unavailable.Trace.TrimEnd());
            var skipped = new SelfTestSummary(0, 0, true, unavailable.Reason);
            output.WriteLine(skipped.FinalLine);
            return skipped;
        }

        long handlesBefore = CudaBackend.LiveNativeHandles;
        var report = new SelfTestReport(output);
        using (var cpu = new CpuBackend())
        {
            CudaBackend gpu;
            try
            {
                gpu = new CudaBackend(Options);
            }
            catch (Exception e)
            {
                report.Add(CheckResult.Fail("create CudaBackend", "-", $"{e.GetType().Name}: {e.Message}"));
                return report.Finish();
            }

            using (gpu)
            {
                (long free, long total) = gpu.DeviceMemory();
                output.WriteLine($"backend: {gpu.Name}; TF32 {(Options.AllowTf32 ? "allowed" : "off")}; device memory free {free >> 20} MiB of {total >> 20} MiB; reserved by this backend {gpu.ReservedBytes >> 20} MiB");
                RunChecks(cpu, gpu, report);
                Run(report, "device", () => DeviceChecks.EventTiming(gpu), cpu, gpu);
                Run(report, "device", () => DeviceChecks.AllocatorCaching(gpu), cpu, gpu);
                Run(report, "device", () => DeviceChecks.ThreadHop(gpu), cpu, gpu);
                Run(report, "device", () => DeviceChecks.SharedDevice(gpu), cpu, gpu);
                Run(report, "device", () => DeviceChecks.CrossStreamReuse(gpu), cpu, gpu);
                output.WriteLine($"allocator: peak reserved {gpu.PeakReservedBytes >> 20} MiB, {gpu.DeviceAllocations} cuMemAlloc calls, {gpu.ConvolutionPlans} convolution plans");
            }
        }

        long handlesAfter = CudaBackend.LiveNativeHandles;
        report.Add(new CheckResult("native handles released", "after Dispose", 0, 0, 0, handlesAfter == handlesBefore, $"live {handlesBefore} -> {handlesAfter}"));
        return report.Finish();
    }

    /// <summary>
    /// The parity checks alone, for any pair of backends (tests run CPU against CPU to exercise the
    /// harness without a GPU).
    /// </summary>
    public SelfTestSummary RunParity(IComputeBackend reference, IComputeBackend candidate, TextWriter output)
    {
        var report = new SelfTestReport(output);
        RunChecks(reference, candidate, report);
        return report.Finish();
    }

    private void RunChecks(IComputeBackend reference, IComputeBackend candidate, SelfTestReport report)
    {
        var harness = new ParityHarness(reference, candidate, Seed);
        foreach ((string name, var check) in ParityChecks.All())
        {
            Run(report, name, () => check(harness), reference, candidate);
        }

        foreach ((string name, var check) in _extra)
        {
            Run(report, name, () => [check(reference, candidate)], reference, candidate);
        }
    }

    /// <summary>Runs one named check; an exception becomes a FAIL row, a ledger that does not return to baseline another.</summary>
    private static void Run(SelfTestReport report, string name, Func<IEnumerable<CheckResult>> check, IComputeBackend reference, IComputeBackend candidate)
    {
        long referenceBefore = reference.Ledger.TotalLiveBytes;
        long candidateBefore = candidate.Ledger.TotalLiveBytes;
        try
        {
            foreach (CheckResult result in check())
            {
                report.Add(result);
            }
        }
        catch (Exception e)
        {
            report.Add(CheckResult.Fail(name, "-", $"{e.GetType().Name}: {e.Message}"));
        }

        long referenceAfter = reference.Ledger.TotalLiveBytes;
        long candidateAfter = candidate.Ledger.TotalLiveBytes;
        if (referenceAfter != referenceBefore || candidateAfter != candidateBefore)
        {
            report.Add(CheckResult.Fail($"{name}: ledger", "live bytes",
                $"reference {referenceBefore} -> {referenceAfter}, candidate {candidateBefore} -> {candidateAfter}"));
        }
    }
}
