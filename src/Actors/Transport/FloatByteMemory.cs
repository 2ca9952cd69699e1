using System.Buffers;
using System.Runtime.InteropServices;

namespace CyclicActors.Actors.Transport;

/// <summary>
/// A float[] seen as bytes (little-endian float32) through <see cref="Memory{T}"/>, so a chunk can
/// carry a slice of the caller's tensor instead of a copy; the serializer copies it once, into the
/// frame it must produce anyway.
/// </summary>
public sealed class FloatByteMemory : MemoryManager<byte>
{
    private readonly float[] _values;

    public FloatByteMemory(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Tensors are exchanged as little-endian float32.");
        }

        _values = values;
    }

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_values.AsSpan());

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(_values, GCHandleType.Pinned);
        unsafe
        {
            var start = (byte*)handle.AddrOfPinnedObject() + elementIndex;
            return new MemoryHandle(start, handle, this);
        }
    }

    public override void Unpin()
    {
        // The GCHandle travels in the MemoryHandle, which frees it on dispose.
    }

    protected override void Dispose(bool disposing)
    {
        // Nothing is owned: the float[] belongs to the caller.
    }
}
