using System.Buffers.Binary;
using System.IO.Compression;

namespace CyclicActors.Tests.Shared;

/// <summary>Builds small IDX files (and corrupt variants) for the reader tests.</summary>
internal static class IdxTestFiles
{
    public static byte[] Images(int count, int rows, int cols, Func<int, byte>? pixel = null)
    {
        var bytes = Header(0x00000803, count, rows, cols);
        var data = new byte[count * rows * cols];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = pixel?.Invoke(i) ?? (byte)(i * 7 % 256);
        }

        return [.. bytes, .. data];
    }

    public static byte[] Labels(params byte[] labels) => [.. Header(0x00000801, labels.Length), .. labels];

    public static byte[] Header(int magic, params int[] sizes)
    {
        var header = new byte[4 + (4 * sizes.Length)];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (var i = 0; i < sizes.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + (4 * i)), sizes[i]);
        }

        return header;
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    public static byte[] Gunzip(string path)
    {
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
