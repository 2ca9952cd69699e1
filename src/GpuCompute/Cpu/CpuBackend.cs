using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// The reference backend: single-threaded, deterministic (the same inputs give bitwise the same
/// outputs whatever the batch split), vectorised with Vector512/Vector256 where the CPU has them.
/// </summary>
public sealed partial class CpuBackend : IComputeBackend
{
    private readonly bool _ownsPool;

    /// <param name="ledger">Where this backend's allocations are counted (a new one when null).</param>
    /// <param name="pool">The process's shared CPU pool; null gives this backend a pool of its own, dropped when it is disposed.</param>
    public CpuBackend(MemoryLedger? ledger = null, CpuMemoryPool? pool = null)
    {
        Ledger = ledger ?? new MemoryLedger();
        _ownsPool = pool is null;
        Pool = pool ?? new CpuMemoryPool();
    }

    public string Name => "cpu";

    public MemoryLedger Ledger { get; }

    /// <summary>The pool this backend allocates from (shared with the process's other CPU backends, or its own).</summary>
    public CpuMemoryPool Pool { get; }

    /// <summary>Bytes the pool holds, handed out or not (every backend sharing it included).</summary>
    public long ReservedBytes => Pool.ReservedBytes;

    public DeviceBuffer Allocate(long length, MemoryTag tag) => Pool.Rent(length, tag, Ledger);

    public void Upload(ReadOnlySpan<float> source, TensorView destination)
    {
        destination.RequireLength(source.Length, "Upload");
        source.CopyTo(Span(destination)[..source.Length]);
    }

    public void Download(TensorView source, Span<float> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException($"Download of {source.Length} elements into a span of {destination.Length}.");
        }

        Span(source).CopyTo(destination);
    }

    public void Fill(TensorView destination, float value) => Span(destination).Fill(value);

    public void Copy(TensorView source, TensorView destination)
    {
        destination.RequireLength(source.Length, "Copy");
        Span(source).CopyTo(Span(destination));
    }

    public void Synchronize()
    {
    }

    public void Dispose()
    {
        // A shared pool outlives its backends: the next worker or run reuses what it caches.
        if (_ownsPool)
        {
            Pool.Trim();
        }
    }

    internal static Span<float> Span(TensorView view)
    {
        if (view.Buffer is not CpuBuffer cpu)
        {
            throw new ArgumentException($"The CPU backend was given a {view.Buffer.GetType().Name}, not one of its own buffers.");
        }

        cpu.ThrowIfDisposed();
        return cpu.Storage.AsSpan((int)view.Offset, (int)view.Length);
    }
}
