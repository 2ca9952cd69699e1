using Xunit;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuDiagnostics;

namespace CyclicActors.GpuCompute.Tests.Cuda;

public sealed class GpuSelfTestTests
{
    [Fact]
    public void Without_a_gpu_the_self_test_prints_the_reason_and_skips()
    {
        if (BackendProbe.ProbeCuda().IsAvailable)
        {
            return;
        }

        var output = new StringWriter();
        SelfTestSummary summary = new GpuSelfTest().Run(output);

        Assert.True(summary.Skipped);
        Assert.Equal(0, summary.Passed);
        Assert.Equal(0, summary.Failed);
        string text = output.ToString();
        Assert.StartsWith("probe: CUDA unavailable: ", text);
        Assert.EndsWith($"0 passed, 0 failed (skipped: {summary.SkipReason}){Environment.NewLine}", text);
    }

    [Fact]
    public void Error_measure_flags_nan_and_reports_relative_error_against_the_mean_magnitude()
    {
        CheckResult nan = ErrorMeasure.Compare("op", "s", [1f, 2f, 3f], [1f, float.NaN, 3f], 1e-3);
        Assert.False(nan.Passed);
        Assert.Contains("non-finite", nan.Detail);

        // mean |c| = 2; element 0 off by 0.002 → 0.002 / (1 + 2).
        CheckResult close = ErrorMeasure.Compare("op", "s", [1f, -2f, 3f], [1.002f, -2f, 3f], 1e-3);
        Assert.True(close.Passed);
        Assert.Equal(0.002 / 3, close.MaxRelError, 5);
        Assert.False(ErrorMeasure.Compare("op", "s", [1f, -2f, 3f], [1.01f, -2f, 3f], 1e-3).Passed);

        Assert.False(ErrorMeasure.CompareScalar("loss", "s", 2f, 2.01f, 1e-3).Passed);
        Assert.True(ErrorMeasure.CompareScalar("loss", "s", 2f, 2.001f, 1e-3).Passed);
    }

    [Fact]
    public void Registered_checks_run_after_the_built_ins_and_exceptions_count_as_failures()
    {
        var selfTest = new GpuSelfTest();
        selfTest.Register("extra ok", (_, _) => CheckResult.Pass("extra ok", "-"));
        selfTest.Register("extra throws", (_, _) => throw new InvalidOperationException("boom"));
        var output = new StringWriter();
        using var a = new CpuBackend();
        using var b = new CpuBackend();

        SelfTestSummary summary = selfTest.RunParity(a, b, output);

        string text = output.ToString();
        Assert.Contains("extra ok", text);
        Assert.Contains("InvalidOperationException: boom", text);
        Assert.True(summary.Failed >= 1);
    }

    [Fact]
    public void Cpu_against_cpu_passes_every_built_in_check()
    {
        // Exercises the harness itself (poisoning, slices, ledger baselines) where there is no GPU.
        var output = new StringWriter();
        using var reference = new CpuBackend();
        using var candidate = new CpuBackend();

        SelfTestSummary summary = new GpuSelfTest().RunParity(reference, candidate, output);

        Assert.True(summary.Failed == 0, output.ToString());
        Assert.True(summary.Passed >= 50, output.ToString());
    }

    [Fact]
    public void Cpu_against_cpu_is_exact_because_the_cpu_backend_is_deterministic()
    {
        using var reference = new CpuBackend();
        using var candidate = new CpuBackend();
        var harness = new ParityHarness(reference, candidate, seed: 3);
        foreach ((string name, var check) in ParityChecks.All().Where(c => c.Name.Contains("odd", StringComparison.Ordinal)))
        {
            foreach (CheckResult result in check(harness))
            {
                Assert.True(result.MaxAbsError == 0, $"{name}: {result.Op} differs by {result.MaxAbsError}");
            }
        }
    }
}
