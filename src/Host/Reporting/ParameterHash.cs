using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CyclicActors.Host.Reporting;

/// <summary>SHA-256 of parameters as little-endian float32 in model order: the run's bitwise identity.</summary>
internal static class ParameterHash
{
    public static string Sha256(ReadOnlySpan<float> parameters)
    {
        var bytes = new byte[parameters.Length * sizeof(float)];
        for (int i = 0; i < parameters.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), parameters[i]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
