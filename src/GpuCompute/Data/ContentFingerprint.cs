using System.Security.Cryptography;

namespace CyclicActors.GpuCompute.Data;

/// <summary>SHA-256 over several decoded files in a fixed order.</summary>
internal static class ContentFingerprint
{
    /// <summary>
    /// Each part is preceded by its length (8 bytes, little-endian) so that moving bytes from one file to
    /// the next cannot produce the same fingerprint.
    /// </summary>
    public static string Of(IEnumerable<byte[]> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (var part in parts)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, part.Length);
            hash.AppendData(length);
            hash.AppendData(part);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
