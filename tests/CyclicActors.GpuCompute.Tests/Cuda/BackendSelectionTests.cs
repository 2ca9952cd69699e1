using Xunit;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Tests.Cuda;

public sealed class BackendSelectionTests
{
    [Theory]
    [InlineData(null, BackendChoice.Auto)]
    [InlineData("", BackendChoice.Auto)]
    [InlineData("AUTO", BackendChoice.Auto)]
    [InlineData("cpu", BackendChoice.Cpu)]
    [InlineData(" cuda ", BackendChoice.Cuda)]
    public void Parses_backend_choices(string? text, BackendChoice expected) => Assert.Equal(expected, BackendChoices.Parse(text));

    [Fact]
    public void Rejects_unknown_choices() => Assert.Throws<ArgumentException>(() => BackendChoices.Parse("tpu"));

    [Fact]
    public void Cpu_choice_never_touches_cuda_and_says_so()
    {
        var parent = new MemoryLedger();
        using BackendPlan plan = BackendFactory.Resolve(BackendChoice.Cpu);
        var backends = Enumerable.Range(0, 3).Select(rank => plan.CreateForRank(rank, parent)).ToArray();
        try
        {
            Assert.Equal("backend: cpu (requested)", plan.SelectionLine);
            Assert.All(backends, b => Assert.IsType<CpuBackend>(b));
            Assert.Equal(3, backends.Select(b => b.Ledger).Distinct().Count());
            using var buffer = backends[1].Allocate(10, MemoryTag.Activations);
            Assert.Equal(40, parent.LiveBytes(MemoryTag.Activations));
        }
        finally
        {
            foreach (var backend in backends)
            {
                backend.Dispose();
            }
        }
    }

    [Fact]
    public void A_cpu_plan_draws_every_backend_from_its_cpu_pool_which_has_no_device_wide_figure()
    {
        using BackendPlan plan = BackendFactory.Resolve(BackendChoice.Cpu);
        Assert.Same(plan.CpuPool, plan.DevicePool);
        Assert.Equal("cpu", plan.DevicePool.Device);
        Assert.Null(plan.DevicePool.DeviceUsedBytes());
        using (var worker = plan.Create(parentLedger: null))
        using (var reducer = plan.CreateHost(new MemoryLedger()))
        {
            worker.Allocate(100, MemoryTag.Activations).Dispose();
            using var reused = reducer.Allocate(100, MemoryTag.Parameters);
            Assert.Equal(400, plan.DevicePool.ReservedBytes); // the reducer got the worker's freed array
        }

        plan.Dispose();
        plan.Dispose(); // idempotent; nothing on the CPU to free
    }

    [Fact]
    public void Without_a_gpu_auto_falls_back_to_cpu_with_the_reason_and_cuda_fails_with_it()
    {
        ProbeResult probe = BackendProbe.ProbeCuda();
        if (probe.IsAvailable)
        {
            return; // this test is about machines without a GPU
        }

        using BackendPlan plan = BackendFactory.Resolve(BackendChoice.Auto);
        using (var backend = plan.Create(parentLedger: null))
        {
            Assert.IsType<CpuBackend>(backend);
            Assert.StartsWith("backend: cpu (auto: CUDA unavailable: ", plan.SelectionLine);
        }

        var error = Assert.Throws<BackendUnavailableException>(() => BackendFactory.Resolve(BackendChoice.Cuda));
        Assert.Equal(((ProbeResult.Unavailable)probe).Reason, error.Reason);
    }

    [Fact]
    public void The_probe_never_throws_and_explains_itself()
    {
        ProbeResult probe = BackendProbe.ProbeCuda();
        Assert.Same(probe, BackendProbe.ProbeCuda()); // cached
        if (probe is ProbeResult.Unavailable unavailable)
        {
            Assert.False(string.IsNullOrWhiteSpace(unavailable.Reason));
            Assert.Contains("libcuda.so.1", unavailable.Trace + unavailable.Reason);
        }
        else
        {
            Assert.Contains("cuDNN 9.", probe.Summary);
        }
    }

    [Fact]
    public void A_cuda_backend_cannot_be_created_without_a_gpu()
    {
        if (BackendProbe.ProbeCuda().IsAvailable)
        {
            return;
        }

        Assert.ThrowsAny<GpuComputeException>(() => new CudaBackend());
    }
}
