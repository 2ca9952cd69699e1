using System.Buffers.Binary;
using System.Text;
using CyclicActors.GpuCompute.Checkpoints;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Checkpoints;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string FilePath => _temp.Combine("tensors.safetensors");

    [Fact]
    public void Round_trip_keeps_names_shapes_data_and_metadata()
    {
        NamedTensor[] tensors =
        [
            new("conv1.weight", [2, 1, 3, 3], [.. Enumerable.Range(0, 18).Select(i => (i * 0.25f) - 2f)]),
            new("conv1.bias", [2], [float.MinValue, float.Epsilon]),
            new("scale", [], [3.5f]),
            new("empty", [0, 4], []),
        ];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é ünïcode \"quoted\"" };

        SafeTensorsFile.Write(FilePath, tensors, metadata);
        var content = SafeTensorsFile.ReadWithMetadata(FilePath);

        Assert.Equal(metadata, content.Metadata);
        Assert.Equal(tensors.Length, content.Tensors.Count);
        foreach (var tensor in tensors)
        {
            var read = content.Tensors[tensor.Name];
            Assert.Equal(tensor.Shape, read.Shape);
            Assert.Equal(tensor.Data, read.Data);
        }
    }

    [Fact]
    public void Byte_layout_is_the_safetensors_format()
    {
        SafeTensorsFile.Write(FilePath, [new NamedTensor("w", [2, 2], [1f, 2f, -0.5f, 0f])], new Dictionary<string, string> { ["format"] = "pt" });
        var bytes = File.ReadAllBytes(FilePath);

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + headerLength) % 8); // data starts 8-byte aligned
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        const string Json = """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""";
        Assert.Equal(Json + new string(' ', (int)headerLength - Json.Length), header);
        Assert.InRange((int)headerLength - Json.Length, 0, 7);

        Assert.Equal(8 + (int)headerLength + 16, bytes.Length);
        byte[] expectedData = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0, 0xBF, 0, 0, 0, 0]; // 1, 2, −0.5, 0 little-endian
        Assert.Equal(expectedData, bytes[(8 + (int)headerLength)..]);
    }

    [Fact]
    public void Duplicate_or_reserved_names_are_refused_when_writing()
    {
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(FilePath, [new("a", [1], [0f]), new("a", [1], [0f])]));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(FilePath, [new("__metadata__", [1], [0f])]));
        Assert.Throws<ArgumentException>(() => new NamedTensor("a", [2, 2], [1f]));
    }

    [Fact]
    public void File_shorter_than_the_length_prefix()
    {
        File.WriteAllBytes(FilePath, [1, 2, 3]);
        AssertReadFails("truncated: 3 bytes");
    }

    [Fact]
    public void Absurd_header_length()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(FilePath, bytes);
        AssertReadFails("bad header length 18446744073709551615");
    }

    [Fact]
    public void Header_length_beyond_the_file()
    {
        SafeTensorsFile.Write(FilePath, [new NamedTensor("w", [4], [1f, 2f, 3f, 4f])]);
        var bytes = File.ReadAllBytes(FilePath);
        File.WriteAllBytes(FilePath, bytes[..20]);
        AssertReadFails("bad header length");
    }

    [Fact]
    public void Truncated_data()
    {
        SafeTensorsFile.Write(FilePath, [new NamedTensor("w", [4], [1f, 2f, 3f, 4f])]);
        var bytes = File.ReadAllBytes(FilePath);
        File.WriteAllBytes(FilePath, bytes[..^4]);
        AssertReadFails("tensor 'w': data_offsets [0, 16] extend beyond the 12 bytes of data");
    }

    [Fact]
    public void Malformed_json()
    {
        WriteRaw("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]""", 4);
        AssertReadFails("malformed JSON header");
    }

    [Fact]
    public void Unsupported_dtype()
    {
        WriteRaw("""{"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}""", 4);
        AssertReadFails("tensor 'w': dtype BF16 is not supported; only F32");
    }

    [Fact]
    public void Offsets_that_do_not_match_the_shape()
    {
        WriteRaw("""{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", 8);
        AssertReadFails("tensor 'w': data_offsets [0, 8] span 8 bytes but shape [3] of F32 needs 12");
    }

    [Fact]
    public void Overlapping_tensors()
    {
        WriteRaw("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12);
        AssertReadFails("tensors 'a' and 'b' overlap");
    }

    [Fact]
    public void Gap_between_tensors()
    {
        WriteRaw("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}""", 12);
        AssertReadFails("bytes [4, 8) between tensor 'a' and tensor 'b' belong to no tensor");
    }

    [Fact]
    public void Data_not_covered_by_any_tensor()
    {
        WriteRaw("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 12);
        AssertReadFails("the last 8 of 12 data bytes belong to no tensor");
    }

    [Fact]
    public void Missing_fields_and_bad_numbers()
    {
        WriteRaw("""{"a": {"dtype": "F32", "data_offsets": [0, 4]}}""", 4);
        AssertReadFails("tensor 'a': missing array field 'shape'");
        WriteRaw("""{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}""", 4);
        AssertReadFails("tensor 'a': 'shape' holds -1");
        WriteRaw("""{"__metadata__": {"n": 1}}""", 0);
        AssertReadFails("__metadata__ value 'n' is a Number");
    }

    [Fact]
    public void Missing_file()
    {
        AssertReadFails("file not found");
    }

    private void WriteRaw(string json, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(FilePath, bytes);
    }

    private void AssertReadFails(string expectedProblem)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Read(FilePath));
        Assert.Equal(FilePath, error.Path);
        Assert.StartsWith(FilePath + ": ", error.Message);
        Assert.Contains(expectedProblem, error.Problem);
    }
}
