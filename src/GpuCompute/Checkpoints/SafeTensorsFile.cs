using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>The tensors and the free-form string metadata of a safetensors file.</summary>
public sealed record SafeTensorsContent(IReadOnlyDictionary<string, NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The safetensors format (huggingface/safetensors), float32 only, readable by
/// <c>safetensors.torch.load_file</c>:
/// <list type="number">
/// <item>8 bytes: N, the header length, unsigned little-endian;</item>
/// <item>N bytes: a UTF-8 JSON object <c>{"__metadata__": {string: string}, "name": {"dtype": "F32",
/// "shape": [...], "data_offsets": [begin, end]}, ...}</c>, padded with spaces so 8 + N is a multiple of 8;</item>
/// <item>the data: each tensor's elements as little-endian float32, row-major, at [begin, end) relative
/// to the end of the header. Tensors are contiguous and cover the data exactly.</item>
/// </list>
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The reference implementation refuses larger headers; so do we, as a guard against garbage lengths.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    /// <summary>Writes (overwriting) <paramref name="path"/> and flushes it to disk before returning.</summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        WriteHashed(path, tensors, metadata);

    /// <summary>
    /// As <see cref="Write"/>, and returns the file's SHA-256 (lower-case hex) and length, hashed from
    /// the bytes as they are written: a checkpoint's files are not read back to be hashed.
    /// </summary>
    public static (string Sha256, long Bytes) WriteHashed(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = BuildHeader(tensors, metadata);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        using var stream = new HashingStream(file, hash);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in tensors)
        {
            WriteLittleEndian(stream, tensor.Data);
        }

        file.Flush(flushToDisk: true);
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), file.Length);
    }

    /// <summary>Reads and validates a file; see <see cref="ReadWithMetadata"/>.</summary>
    public static IReadOnlyDictionary<string, NamedTensor> Read(string path) => ReadWithMetadata(path).Tensors;

    /// <summary>
    /// Reads a file, validating the header length, the JSON, each entry's dtype (F32 only), shape and
    /// offsets, and that the tensors cover the data exactly, without overlap or gaps. Errors are
    /// <see cref="CheckpointFormatException"/>s naming the file and the problem.
    /// </summary>
    public static SafeTensorsContent ReadWithMetadata(string path)
    {
        FileStream stream;
        try
        {
            stream = RegularFile.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointFormatException(path, "file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(path, $"cannot be read: {RegularFile.Problem(e)}", e);
        }

        using var owned = stream;
        try
        {
            var fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new CheckpointFormatException(path, $"truncated: {fileLength} bytes, shorter than the 8-byte header length");
            }

            Span<byte> lengthBytes = stackalloc byte[8];
            ReadExactly(stream.SafeFileHandle, lengthBytes, 0);
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength < 2 || headerLength > MaxHeaderBytes)
            {
                throw new CheckpointFormatException(path, $"bad header length {headerLength}: must be between 2 and {MaxHeaderBytes} bytes");
            }

            if (8 + (long)headerLength > fileLength)
            {
                throw new CheckpointFormatException(path,
                    $"bad header length {headerLength}: only {fileLength - 8} bytes follow the length (truncated file?)");
            }

            var header = new byte[headerLength];
            ReadExactly(stream.SafeFileHandle, header, 8);
            var dataStart = 8 + (long)headerLength;
            var (entries, metadata) = ParseHeader(path, header);
            ValidateLayout(path, entries, fileLength - dataStart);

            var tensors = new Dictionary<string, NamedTensor>(entries.Count, StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                var data = new float[entry.Elements];
                ReadExactly(stream.SafeFileHandle, MemoryMarshal.AsBytes(data.AsSpan()), dataStart + entry.Begin);
                if (!BitConverter.IsLittleEndian)
                {
                    ReverseEndianness(data);
                }

                tensors.Add(entry.Name, new NamedTensor(entry.Name, entry.Shape, data));
            }

            return new SafeTensorsContent(tensors, metadata);
        }
        catch (EndOfStreamException e)
        {
            // Only if the file shrinks while we read it: the layout was checked against its length.
            throw new CheckpointFormatException(path, "truncated while reading (was the file modified concurrently?)", e);
        }
    }

    /// <summary>The padded JSON header (without the 8-byte length) for these tensors, in the given order.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                if (tensor.Name == MetadataKey || !names.Add(tensor.Name))
                {
                    throw new ArgumentException($"Tensor name '{tensor.Name}' is reserved or used twice.", nameof(tensors));
                }

                var bytes = (long)tensor.Data.Length * sizeof(float);
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (var d in tensor.Shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }

            writer.WriteEndObject();
        }

        // Pad so the data starts 8-byte aligned, as the reference writer does (readers may map it in place).
        var length = json.Length;
        var padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        json.GetBuffer().AsSpan(0, (int)length).CopyTo(header);
        header.AsSpan((int)length).Fill((byte)' ');
        return header;
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(string path, byte[] header)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"malformed JSON header: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, $"malformed JSON header: the root is a {document.RootElement.ValueKind}, not an object");
            }

            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new CheckpointFormatException(path, $"malformed JSON header: key '{property.Name}' appears twice");
                }

                if (property.Name == MetadataKey)
                {
                    ParseMetadata(path, property.Value, metadata);
                }
                else
                {
                    entries.Add(ParseEntry(path, property.Name, property.Value));
                }
            }

            return (entries, metadata);
        }
    }

    private static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, $"malformed JSON header: {MetadataKey} must be an object of strings");
        }

        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(path, $"malformed JSON header: {MetadataKey} value '{item.Name}' is a {item.Value.ValueKind}, not a string");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ParseEntry(string path, string name, JsonElement value)
    {
        string Problem(string what) => $"tensor '{name}': {what}";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, Problem("entry is not an object"));
        }

        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointFormatException(path, Problem("missing string field 'dtype'"));
        }

        if (dtype.GetString() != "F32")
        {
            throw new CheckpointFormatException(path, Problem($"dtype {dtype.GetString()} is not supported; only F32"));
        }

        var shape = ReadIntegers(path, name, value, "shape", int.MaxValue).Select(d => (int)d).ToArray();
        var offsets = ReadIntegers(path, name, value, "data_offsets", long.MaxValue);
        if (offsets.Length != 2)
        {
            throw new CheckpointFormatException(path, Problem($"data_offsets has {offsets.Length} numbers, expected [begin, end]"));
        }

        if (offsets[0] > offsets[1])
        {
            throw new CheckpointFormatException(path, Problem($"data_offsets [{offsets[0]}, {offsets[1]}] are reversed"));
        }

        long elements;
        try
        {
            elements = TensorSpec.ElementCount(shape);
        }
        catch (OverflowException)
        {
            throw new CheckpointFormatException(path, Problem($"shape {TensorSpec.Format(shape)} is absurdly large"));
        }

        if (elements > Array.MaxLength)
        {
            throw new CheckpointFormatException(path, Problem($"shape {TensorSpec.Format(shape)} has {elements} elements, more than one array holds"));
        }

        if (offsets[1] - offsets[0] != elements * sizeof(float))
        {
            throw new CheckpointFormatException(path, Problem(
                $"data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]} bytes but shape {TensorSpec.Format(shape)} of F32 needs {elements * sizeof(float)}"));
        }

        return new Entry(name, shape, offsets[0], offsets[1], (int)elements);
    }

    private static long[] ReadIntegers(string path, string name, JsonElement entry, string field, long max)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': missing array field '{field}'");
        }

        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0 || value > max)
            {
                throw new CheckpointFormatException(path, $"tensor '{name}': '{field}' holds {item.GetRawText()}, not an integer in [0, {max}]");
            }

            values.Add(value);
        }

        return [.. values];
    }

    private static void ValidateLayout(string path, List<Entry> entries, long dataLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long cursor = 0;
        Entry? previous = null;
        foreach (var entry in entries)
        {
            if (entry.End > dataLength)
            {
                throw new CheckpointFormatException(path,
                    $"tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] extend beyond the {dataLength} bytes of data (truncated file?)");
            }

            if (entry.Begin < cursor)
            {
                throw new CheckpointFormatException(path,
                    $"tensors '{previous!.Name}' and '{entry.Name}' overlap: '{entry.Name}' begins at byte {entry.Begin}, before '{previous.Name}' ends at {cursor}");
            }

            if (entry.Begin > cursor)
            {
                var after = previous is null ? "the start of the data" : $"tensor '{previous.Name}'";
                throw new CheckpointFormatException(path,
                    $"bytes [{cursor}, {entry.Begin}) between {after} and tensor '{entry.Name}' belong to no tensor");
            }

            cursor = entry.End;
            previous = entry;
        }

        if (cursor != dataLength)
        {
            throw new CheckpointFormatException(path,
                $"trailing data: the last {dataLength - cursor} of {dataLength} data bytes belong to no tensor");
        }
    }

    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
            {
                throw new EndOfStreamException($"Unexpected end of file at byte {offset}.");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    private static void WriteLittleEndian(Stream stream, float[] data)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
            return;
        }

        var copy = (float[])data.Clone();
        ReverseEndianness(copy);
        stream.Write(MemoryMarshal.AsBytes(copy.AsSpan()));
    }

    private static void ReverseEndianness(float[] data)
    {
        var bits = MemoryMarshal.Cast<float, uint>(data.AsSpan());
        BinaryPrimitives.ReverseEndianness(bits, bits);
    }

    private sealed record Entry(string Name, int[] Shape, long Begin, long End, int Elements);

    /// <summary>Writes through to a stream and feeds every byte written to a hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
