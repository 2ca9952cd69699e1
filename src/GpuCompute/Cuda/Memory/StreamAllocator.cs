using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cuda;

/// <summary>
/// One backend's door into its device's shared pool: the backend's stream (which every rent and return
/// names, so the pool can apply its cross-stream rule), the backend's ledger (which counts the bytes
/// handed out, per tag), and the blocks this backend holds. <see cref="Dispose"/> gives the blocks
/// still held back to the pool, so a worker that stops leaves its memory to the others; a buffer
/// returned after that only updates the ledger.
/// </summary>
internal sealed class StreamAllocator<TBlock, TStream, TEvent> : IDisposable
    where TBlock : class
    where TStream : class
    where TEvent : class
{
    private readonly StreamAwareBlockPool<TBlock, TStream, TEvent> _pool;
    private readonly HashSet<TBlock> _held = new(ReferenceEqualityComparer.Instance);
    private readonly object _gate = new();
    private bool _disposed;

    public StreamAllocator(StreamAwareBlockPool<TBlock, TStream, TEvent> pool, TStream stream, MemoryLedger ledger)
    {
        _pool = pool;
        Stream = stream;
        Ledger = ledger;
    }

    public TStream Stream { get; }

    public MemoryLedger Ledger { get; }

    /// <summary>A block of at least <paramref name="bytes"/>; the ledger records <paramref name="bytes"/> under <paramref name="tag"/>.</summary>
    public TBlock Rent(long bytes, MemoryTag tag)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        TBlock block = _pool.Rent(bytes, Stream);
        bool kept;
        lock (_gate)
        {
            kept = !_disposed && _held.Add(block);
        }

        if (!kept)
        {
            // Disposed while renting: the block goes straight back instead of leaking from the pool.
            _pool.Return(block, Stream);
            throw new ObjectDisposedException(GetType().Name);
        }

        Ledger.OnAllocated(tag, bytes);
        return block;
    }

    /// <summary>Gives a block back once this stream has queued the last work that touches it.</summary>
    public void Return(TBlock block, long bytes, MemoryTag tag)
    {
        Ledger.OnReleased(tag, bytes);
        lock (_gate)
        {
            if (_disposed || !_held.Remove(block))
            {
                return; // already given back when this allocator was disposed
            }
        }

        _pool.Return(block, Stream);
    }

    /// <summary>Gives every block still held back to the pool (the caller has synchronised or queued its last use on the stream).</summary>
    public void Dispose()
    {
        List<TBlock> held;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            held = _held.ToList();
            _held.Clear();
        }

        // Every block goes back even if one return fails (a broken stream); the first failure is rethrown after.
        Exception? failure = null;
        foreach (TBlock block in held)
        {
            try
            {
                _pool.Return(block, Stream);
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}
