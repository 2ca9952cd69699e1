using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// The reference backend: single-threaded, deterministic (the same inputs give bitwise the same
/// outputs whatever the batch split), vectorised with Vector512/Vector256 where the CPU has them.
/// </summary>
public sealed partial class CpuBackend : IComputeBackend
{
    private readonly CpuBufferPool _pool;

    public CpuBackend(MemoryLedger? ledger = null)
    {
        Ledger = ledger ?? new MemoryLedger();
        _pool = new CpuBufferPool(Ledger);
    }

    public string Name => "cpu";

    public MemoryLedger Ledger { get; }

    /// <summary>Bytes the caching pool holds, handed out or not.</summary>
    public long ReservedBytes => _pool.ReservedBytes;

    public DeviceBuffer Allocate(long length, MemoryTag tag) => _pool.Rent(length, tag);

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

    public void Dispose() => _pool.Clear();

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
