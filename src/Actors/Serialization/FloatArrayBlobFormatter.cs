using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace CyclicActors.Actors.Serialization;

/// <summary>
/// Writes a float[] as one MessagePack bin blob of little-endian float32 (4 bytes per element)
/// instead of MessagePack's default array of float tokens (5 bytes each and a loop per element).
/// </summary>
public sealed class FloatArrayBlobFormatter : IMessagePackFormatter<float[]>
{
    public static readonly FloatArrayBlobFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, float[] value, MessagePackSerializerOptions options)
    {
        RequireLittleEndian();
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.Write(MemoryMarshal.AsBytes(value.AsSpan()));
    }

    public float[] Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        RequireLittleEndian();
        if (reader.TryReadNil())
        {
            return null!;
        }

        var bytes = reader.ReadBytes() ?? throw new MessagePackSerializationException("Expected a float32 blob.");
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new MessagePackSerializationException($"A float32 blob of {bytes.Length} bytes is not a whole number of floats.");
        }

        var values = new float[bytes.Length / sizeof(float)];
        System.Buffers.BuffersExtensions.CopyTo(bytes, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    // The blob is the in-memory layout; every platform .NET 10 runs the trainer on (x64, ARM64) is
    // little-endian, and a big-endian one must fail loudly rather than exchange byte-swapped floats.
    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Float blobs are exchanged as little-endian float32.");
        }
    }
}
