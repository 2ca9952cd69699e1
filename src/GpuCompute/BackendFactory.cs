using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Cuda;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute;

/// <summary>
/// Creates compute backends and says, in one line, which one was chosen and why. Auto falls back to
/// the CPU when the CUDA probe fails; an explicit CUDA choice fails with the probe's reason instead,
/// so a GPU run can never quietly train on the CPU. With CPU, CUDA is never touched.
/// </summary>
public static class BackendFactory
{
    public static (IComputeBackend Backend, string SelectionLine) Create(BackendChoice choice, CudaBackendOptions? cudaOptions = null, MemoryLedger? ledger = null)
    {
        (IReadOnlyList<IComputeBackend> backends, string line) = CreateMany(choice, 1, cudaOptions, ledger);
        return (backends[0], line);
    }

    /// <summary>
    /// <paramref name="count"/> backends for as many workers, all on the same device (they share its
    /// primary context; each has its own stream, handles and allocator). Each gets its own ledger;
    /// when <paramref name="parentLedger"/> is given it is the parent of all of them, so it measures
    /// the workers' total exactly.
    /// </summary>
    /// <summary>
    /// Decides the backend without creating any: CPU when asked; otherwise probes CUDA, falling back
    /// to the CPU with the reason for auto and throwing <see cref="BackendUnavailableException"/> for cuda.
    /// </summary>
    public static BackendPlan Resolve(BackendChoice choice, CudaBackendOptions? cudaOptions = null)
    {
        CudaBackendOptions options = cudaOptions ?? CudaBackendOptions.Default;
        if (choice == BackendChoice.Cpu)
        {
            return new BackendPlan(BackendChoice.Cpu, "(requested)", options);
        }

        ProbeResult probe = BackendProbe.ProbeCuda(options.DeviceOrdinal);
        return probe switch
        {
            ProbeResult.Unavailable unavailable when choice == BackendChoice.Cuda => throw new BackendUnavailableException(unavailable.Reason, unavailable.Trace),
            ProbeResult.Unavailable => new BackendPlan(BackendChoice.Cpu, $"(auto: {probe.Summary})", options),
            _ => new BackendPlan(BackendChoice.Cuda, $"on {probe.Summary}; {(options.AllowTf32 ? "TF32 allowed" : "FP32 (TF32 off)")}", options),
        };
    }

    /// <summary>
    /// <paramref name="count"/> backends for as many workers, all on the same device. Each gets its
    /// own ledger; when <paramref name="parentLedger"/> is given it is the parent of all of them, so
    /// it measures the workers' total exactly. With auto, a CUDA backend that fails to start falls
    /// back to the CPU as well.
    /// </summary>
    public static (IReadOnlyList<IComputeBackend> Backends, string SelectionLine) CreateMany(
        BackendChoice choice, int count, CudaBackendOptions? cudaOptions = null, MemoryLedger? parentLedger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        BackendPlan plan = Resolve(choice, cudaOptions);
        var created = new List<IComputeBackend>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                created.Add(plan.Create(parentLedger));
            }
        }
        catch (Exception e) when (choice == BackendChoice.Auto && plan.Resolved == BackendChoice.Cuda && e is GpuComputeException or InvalidOperationException)
        {
            created.ForEach(b => b.Dispose());
            var cpu = plan with { Resolved = BackendChoice.Cpu, Detail = $"(auto: CUDA backend creation failed: {e.Message})" };
            return (Enumerable.Range(0, count).Select(_ => cpu.Create(parentLedger)).ToArray(), cpu.SelectionLineFor(count));
        }
        catch
        {
            created.ForEach(b => b.Dispose());
            throw;
        }

        return (created, plan.SelectionLineFor(count));
    }
}
