namespace CyclicActors.GpuCompute.Memory;

/// <summary>A contiguous range of a <see cref="DeviceBuffer"/>, in float32 elements.</summary>
public readonly record struct TensorView
{
    public TensorView(DeviceBuffer buffer, long offset, long length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || length < 0 || offset + length > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"View [{offset}, {offset + length}) is outside a buffer of {buffer.Length} elements.");
        }

        Buffer = buffer;
        Offset = offset;
        Length = length;
    }

    public DeviceBuffer Buffer { get; }

    public long Offset { get; }

    public long Length { get; }

    public TensorView Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"Slice [{offset}, {offset + length}) is outside a view of {Length} elements.");
        }

        return new TensorView(Buffer, Offset + offset, length);
    }

    public void RequireLength(long expected, string what)
    {
        if (Length < expected)
        {
            throw new ArgumentException($"{what} needs {expected} elements but the view holds {Length}.");
        }
    }
}
