using System.Buffers;

namespace CyclicActors.Actors.Transport;

/// <summary>
/// A reassembled tensor in a rented buffer. The owner disposes it to return the buffer to its pool
/// (exactly once, however often Dispose is called); using it after that throws.
/// </summary>
public sealed class PooledTensor : IDisposable
{
    private readonly ArrayPool<float> _pool;
    private float[]? _buffer;

    internal PooledTensor(float[] buffer, int length, ArrayPool<float> pool)
    {
        _buffer = buffer;
        Length = length;
        _pool = pool;
    }

    public int Length { get; }

    public Span<float> Span => Buffer.AsSpan(0, Length);

    public Memory<float> Memory => Buffer.AsMemory(0, Length);

    private float[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledTensor));

    public float[] ToArray() => Span.ToArray();

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            _pool.Return(buffer);
        }
    }
}
