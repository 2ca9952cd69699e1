namespace CyclicActors.GpuCompute.Memory;

/// <summary>
/// A float32 buffer on a backend's device. Created only by <see cref="IComputeBackend.Allocate"/>;
/// disposing it returns the storage to the backend's caching pool (the ledger's live bytes drop,
/// the memory stays reserved for the next step). Contents are never exposed as managed arrays:
/// use <see cref="IComputeBackend.Upload"/> and <see cref="IComputeBackend.Download"/>.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    private int _disposed;

    protected DeviceBuffer(long length, MemoryTag tag)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        Tag = tag;
    }

    /// <summary>Number of float32 elements.</summary>
    public long Length { get; }

    public long Bytes => Length * sizeof(float);

    public MemoryTag Tag { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public TensorView View() => new(this, 0, Length);

    public TensorView Slice(long offset, long length) => new(this, offset, length);

    public static implicit operator TensorView(DeviceBuffer buffer) => buffer.View();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Returns the storage to the owning backend's pool and updates its ledger.</summary>
    protected abstract void Release();

    internal void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            throw new ObjectDisposedException(nameof(DeviceBuffer), "The device buffer was used after it was returned to the pool.");
        }
    }
}
