using Xunit;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuDiagnostics;
using Xunit.Abstractions;

namespace CyclicActors.GpuCompute.Tests.Cuda;

/// <summary>CPU-vs-CUDA parity per op; skipped with the probe's reason where there is no GPU.</summary>
public sealed class CudaParityTests(ITestOutputHelper log)
{
    public static TheoryData<string> CheckNames() => new(ParityChecks.All().Select(c => c.Name));

    [CudaTheory]
    [MemberData(nameof(CheckNames))]
    public void Op_matches_the_cpu_backend(string name)
    {
        var check = ParityChecks.All().Single(c => c.Name == name).Run;
        using var cpu = new CpuBackend();
        using var gpu = new CudaBackend();
        var harness = new ParityHarness(cpu, gpu, seed: 7);
        foreach (CheckResult result in check(harness))
        {
            log.WriteLine($"{result.Op} {result.Shape}: rel {result.MaxRelError:E2} (tol {result.Tolerance:E1}) {result.Detail}");
            Assert.True(result.Passed, $"{result.Op} {result.Shape}: {result.Detail}");
        }
    }

    [CudaFact]
    public void Full_self_test_passes_and_releases_every_handle()
    {
        var output = new StringWriter();
        SelfTestSummary summary = new GpuSelfTest().Run(output);
        log.WriteLine(output.ToString());
        Assert.Equal(0, summary.Failed);
        Assert.True(summary.Passed > 40);
    }

    [CudaFact]
    public void Several_backends_share_one_device()
    {
        using BackendPlan plan = BackendFactory.Resolve(BackendChoice.Cuda);
        log.WriteLine(plan.SelectionLine);
        var backends = Enumerable.Range(0, 3).Select(_ => plan.Create(parentLedger: null)).ToArray();
        Assert.All(backends, b => Assert.Same(plan.DevicePool, ((CudaBackend)b).Pool));
        Assert.Equal("cuda:0", plan.DevicePool.Device);
        Assert.True(plan.DevicePool.DeviceUsedBytes() > 0);
        foreach (var backend in backends)
        {
            using var buffer = backend.Allocate(1000, Memory.MemoryTag.Activations);
            backend.Fill(buffer, 2f);
            var host = new float[1000];
            backend.Download(buffer, host);
            Assert.All(host, v => Assert.Equal(2f, v));
        }

        foreach (var backend in backends)
        {
            backend.Dispose();
        }
    }
}
