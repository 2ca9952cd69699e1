using System.IO.Compression;

namespace CyclicActors.GpuCompute.Data;

/// <summary>Reads a whole data file, transparently decompressing gzip.</summary>
internal static class DataFile
{
    /// <summary>
    /// The file's content, gunzipped when it starts with the gzip magic 1f 8b. Detection is by content,
    /// not by name, because downloads are often renamed (or decompressed without renaming).
    /// </summary>
    public static byte[] ReadDecoded(string path)
    {
        byte[] raw;
        try
        {
            raw = RegularFile.ReadAllBytes(path);
        }
        catch (FileNotFoundException e)
        {
            throw new DataFormatException(path, "file not found", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new DataFormatException(path, "file not found (directory does not exist)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"cannot be read: {RegularFile.Problem(e)}", e);
        }

        return IsGzip(raw) ? Gunzip(path, raw) : raw;
    }

    /// <summary>
    /// GZipStream returns a truncated stream's partial output without error, so compare the length with the
    /// trailer's ISIZE (uncompressed length mod 2^32, the last 4 bytes). This assumes one gzip member, as
    /// gzip(1) and Python write; concatenated multi-member files are not supported.
    /// </summary>
    private static void CheckTrailer(string path, byte[] compressed, long decodedLength)
    {
        const int MinimumGzipLength = 18; // 10-byte header, empty deflate stream, 8-byte trailer
        if (compressed.Length < MinimumGzipLength)
        {
            throw new DataFormatException(path, $"truncated gzip stream: {compressed.Length} bytes, shorter than any gzip file");
        }

        var recorded = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4));
        if (recorded != (uint)decodedLength)
        {
            throw new DataFormatException(path,
                $"truncated or corrupt gzip stream: its trailer records {recorded} uncompressed bytes (mod 2^32) but {decodedLength} were decoded");
        }
    }

    private static bool IsGzip(byte[] bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    private static byte[] Gunzip(string path, byte[] compressed)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream(compressed.Length * 4);
            input.CopyTo(output);
            CheckTrailer(path, compressed, output.Length);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip stream ({e.Message})", e);
        }
        catch (IOException e)
        {
            // MemoryStream refuses content over 2 GiB: no data set we read is that large, so it is garbage.
            throw new DataFormatException(path, $"gzip stream could not be decompressed ({e.Message})", e);
        }
    }
}
