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
    public static (IReadOnlyList<IComputeBackend> Backends, string SelectionLine) CreateMany(
        BackendChoice choice, int count, CudaBackendOptions? cudaOptions = null, MemoryLedger? parentLedger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (choice == BackendChoice.Cpu)
        {
            return (CreateCpu(count, parentLedger), $"backend: cpu x{count} (requested)");
        }

        CudaBackendOptions options = cudaOptions ?? CudaBackendOptions.Default;
        ProbeResult probe = BackendProbe.ProbeCuda(options.DeviceOrdinal);
        if (probe is ProbeResult.Unavailable unavailable)
        {
            return choice == BackendChoice.Cuda
                ? throw new BackendUnavailableException(unavailable.Reason, unavailable.Trace)
                : (CreateCpu(count, parentLedger), $"backend: cpu x{count} (auto: {probe.Summary})");
        }

        var created = new List<IComputeBackend>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                created.Add(new CudaBackend(options, new MemoryLedger(parentLedger)));
            }
        }
        catch (Exception e) when (choice == BackendChoice.Auto && e is GpuComputeException or InvalidOperationException)
        {
            created.ForEach(b => b.Dispose());
            return (CreateCpu(count, parentLedger), $"backend: cpu x{count} (auto: CUDA backend creation failed: {e.Message})");
        }
        catch
        {
            created.ForEach(b => b.Dispose());
            throw;
        }

        string tf32 = options.AllowTf32 ? "TF32 allowed" : "FP32 (TF32 off)";
        return (created, $"backend: cuda x{count} on {probe.Summary}; {tf32}");
    }

    private static IReadOnlyList<IComputeBackend> CreateCpu(int count, MemoryLedger? parentLedger) =>
        Enumerable.Range(0, count).Select(_ => (IComputeBackend)new CpuBackend(new MemoryLedger(parentLedger))).ToArray();
}
