using CyclicActors.GpuCompute.Data;
using CyclicActors.Tests.Shared;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Data;

/// <summary>Every malformed input fails with a <see cref="DataFormatException"/> naming the file and the problem.</summary>
public sealed class DataCorruptionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Truncated_images_file()
    {
        var images = IdxTestFiles.Images(4, 28, 28);
        var error = LoadExpectingError(images[..^100], IdxTestFiles.Labels(1, 2, 3, 4), failingFile: "images");
        Assert.Contains("truncated", error.Problem);
        Assert.Contains("3036", error.Problem); // bytes actually present: 4·784 − 100
    }

    [Fact]
    public void Header_shorter_than_declared()
    {
        var error = LoadExpectingError(IdxTestFiles.Images(4, 28, 28)[..10], IdxTestFiles.Labels(1, 2, 3, 4), failingFile: "images");
        Assert.Contains("truncated", error.Problem);
        Assert.Contains("16-byte header", error.Problem);
    }

    [Fact]
    public void Wrong_magic()
    {
        byte[] images = [0x12, 0x34, 0x56, 0x78, .. IdxTestFiles.Images(2, 2, 2)[4..]];
        var error = LoadExpectingError(images, IdxTestFiles.Labels(1, 2), failingFile: "images");
        Assert.Contains("wrong magic number 0x12345678, expected 0x00000803", error.Problem);
    }

    [Fact]
    public void Labels_file_given_as_images_has_wrong_dimension_count()
    {
        var error = LoadExpectingError(IdxTestFiles.Labels(1, 2), IdxTestFiles.Labels(1, 2), failingFile: "images");
        Assert.Contains("wrong number of dimensions 1", error.Problem);
        Assert.Contains("expected 3", error.Problem);
    }

    [Fact]
    public void Zero_count()
    {
        var error = LoadExpectingError(IdxTestFiles.Header(0x803, 0, 28, 28), IdxTestFiles.Labels(), failingFile: "images");
        Assert.Contains("dimension 0 has size 0", error.Problem);
    }

    [Fact]
    public void Negative_size()
    {
        var error = LoadExpectingError(IdxTestFiles.Header(0x803, 5, -28, 28), IdxTestFiles.Labels(1), failingFile: "images");
        Assert.Contains("dimension 1 has size -28", error.Problem);
    }

    [Fact]
    public void Absurd_counts()
    {
        var error = LoadExpectingError(IdxTestFiles.Header(0x803, int.MaxValue, 28, 28), IdxTestFiles.Labels(1), failingFile: "images");
        Assert.Contains("absurd sizes", error.Problem);
    }

    [Fact]
    public void Trailing_garbage()
    {
        byte[] labels = [.. IdxTestFiles.Labels(1, 2), 0xFF, 0xFF, 0xFF];
        var error = LoadExpectingError(IdxTestFiles.Images(2, 2, 2), labels, failingFile: "labels");
        Assert.Contains("trailing garbage: 3 bytes", error.Problem);
    }

    [Fact]
    public void Image_and_label_counts_differ()
    {
        var error = LoadExpectingError(IdxTestFiles.Images(3, 2, 2), IdxTestFiles.Labels(1, 2), failingFile: "labels");
        Assert.Contains("image/label count mismatch: 2 labels but 3 images", error.Problem);
        Assert.Contains(_temp.Combine("images"), error.Problem);
    }

    [Fact]
    public void Label_out_of_range()
    {
        var error = LoadExpectingError(IdxTestFiles.Images(3, 2, 2), IdxTestFiles.Labels(1, 10, 2), failingFile: "labels");
        Assert.Contains("label 10 of sample 1 is out of range 0..9", error.Problem);
    }

    [Fact]
    public void Corrupt_gzip_stream()
    {
        var gzip = IdxTestFiles.Gzip(IdxTestFiles.Images(50, 28, 28));
        // Damage the deflate data after the 10-byte gzip header: either the stream or its CRC check fails.
        for (var i = 12; i < 40; i++)
        {
            gzip[i] ^= 0x5A;
        }

        var error = LoadExpectingError(gzip, IdxTestFiles.Labels(new byte[50]), failingFile: "images");
        Assert.Contains("gzip", error.Problem);
    }

    [Theory]
    [InlineData(2)] // half the stream
    [InlineData(1)] // all the data, only the last trailer byte missing
    public void Truncated_gzip_stream(int cut)
    {
        var gzip = IdxTestFiles.Gzip(IdxTestFiles.Images(50, 28, 28));
        var truncated = cut == 2 ? gzip[..(gzip.Length / 2)] : gzip[..^1];
        var error = LoadExpectingError(truncated, IdxTestFiles.Labels(new byte[50]), failingFile: "images");
        Assert.Contains("truncated or corrupt gzip stream", error.Problem);
    }

    [Fact]
    public void Tiny_gzip_file()
    {
        var error = LoadExpectingError([0x1f, 0x8b, 8, 0], IdxTestFiles.Labels(1), failingFile: "images");
        Assert.Contains("truncated gzip stream: 4 bytes", error.Problem);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        File.WriteAllBytes(_temp.Combine("labels"), IdxTestFiles.Labels(1));
        var error = Assert.Throws<DataFormatException>(() => MnistReader.Load(_temp.Combine("nope"), _temp.Combine("labels"), "x"));
        Assert.Equal(_temp.Combine("nope"), error.Path);
        Assert.Contains("not found", error.Problem);
    }

    [Fact]
    public async Task A_fifo_is_refused_without_blocking()
    {
        File.WriteAllBytes(_temp.Combine("labels"), IdxTestFiles.Labels(1));
        UnixFiles.MakeFifo(_temp.Combine("images"));
        var load = Task.Run(() => MnistReader.Load(_temp.Combine("images"), _temp.Combine("labels"), "fifo"));
        Assert.Same(load, await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20)))); // else opening the FIFO blocked, waiting for a writer
        var error = await Assert.ThrowsAsync<DataFormatException>(() => load);
        Assert.Contains("not a regular file", error.Problem);
    }

    [Fact]
    public void A_symbolic_link_loop_is_named()
    {
        File.WriteAllBytes(_temp.Combine("labels"), IdxTestFiles.Labels(1));
        File.CreateSymbolicLink(_temp.Combine("loop-a"), _temp.Combine("loop-b"));
        File.CreateSymbolicLink(_temp.Combine("loop-b"), _temp.Combine("loop-a"));
        File.CreateSymbolicLink(_temp.Combine("images"), _temp.Combine("loop-a"));
        var error = Assert.Throws<DataFormatException>(() => MnistReader.Load(_temp.Combine("images"), _temp.Combine("labels"), "loop"));
        Assert.Equal(_temp.Combine("images"), error.Path);
        Assert.Contains("symbolic links", error.Problem);
    }

    [Fact]
    public void A_dangling_link_is_a_missing_file()
    {
        File.WriteAllBytes(_temp.Combine("labels"), IdxTestFiles.Labels(1));
        File.CreateSymbolicLink(_temp.Combine("images"), _temp.Combine("gone"));
        var error = Assert.Throws<DataFormatException>(() => MnistReader.Load(_temp.Combine("images"), _temp.Combine("labels"), "dangling"));
        Assert.Contains("not found", error.Problem);
    }

    [Fact]
    public void A_link_to_a_good_file_is_read()
    {
        File.WriteAllBytes(_temp.Combine("labels"), IdxTestFiles.Labels(1, 2));
        File.WriteAllBytes(_temp.Combine("real-images"), IdxTestFiles.Images(2, 2, 2));
        File.CreateSymbolicLink(_temp.Combine("images"), _temp.Combine("real-images"));
        Assert.Equal(2, MnistReader.Load(_temp.Combine("images"), _temp.Combine("labels"), "linked").Count);
    }

    [Fact]
    public void A_directory_or_an_empty_file_is_refused()
    {
        File.WriteAllBytes(_temp.Combine("labels"), IdxTestFiles.Labels(1));
        Directory.CreateDirectory(_temp.Combine("images"));
        Assert.Contains("a directory", Assert.Throws<DataFormatException>(() => MnistReader.Load(_temp.Combine("images"), _temp.Combine("labels"), "dir")).Problem);
        File.WriteAllBytes(_temp.Combine("empty"), []);
        Assert.Contains("empty", Assert.Throws<DataFormatException>(() => MnistReader.Load(_temp.Combine("empty"), _temp.Combine("labels"), "empty")).Problem);
    }

    private DataFormatException LoadExpectingError(byte[] images, byte[] labels, string failingFile)
    {
        File.WriteAllBytes(_temp.Combine("images"), images);
        File.WriteAllBytes(_temp.Combine("labels"), labels);
        var error = Assert.Throws<DataFormatException>(() => MnistReader.Load(_temp.Combine("images"), _temp.Combine("labels"), "corrupt"));
        Assert.Equal(_temp.Combine(failingFile), error.Path);
        Assert.StartsWith(_temp.Combine(failingFile) + ": ", error.Message);
        return error;
    }
}
