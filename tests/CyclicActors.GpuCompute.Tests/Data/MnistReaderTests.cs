using CyclicActors.Tests.Shared;
using CyclicActors.GpuCompute.Data;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Data;

public sealed class MnistReaderTests
{
    private static readonly string[] FileNames =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    [Fact]
    public void Bundled_training_split_loads()
    {
        var train = MnistReader.LoadSplit(TestPaths.MnistDirectory, MnistSplit.Train);

        Assert.Equal("mnist-train", train.Name);
        Assert.Equal(8_000, train.Count);
        Assert.Equal(new Shape3(1, 28, 28), train.SampleShape);
        Assert.Equal(10, train.ClassCount);
        Assert.Equal(8_000 * 784, train.Pixels.Length);
        var perClass = new int[10];
        foreach (var label in train.Labels)
        {
            perClass[label]++;
        }

        Assert.All(perClass, count => Assert.InRange(count, 600, 1_000));
        Assert.Matches("^[0-9a-f]{64}$", train.Fingerprint);
    }

    [Fact]
    public void Bundled_test_split_loads()
    {
        var test = MnistReader.LoadSplit(TestPaths.MnistDirectory, MnistSplit.Test);

        Assert.Equal("mnist-test", test.Name);
        Assert.Equal(1_000, test.Count);
        Assert.Equal(new Shape3(1, 28, 28), test.SampleShape);
        Assert.All(test.Labels.ToArray(), label => Assert.InRange(label, (byte)0, (byte)9));
    }

    [Fact]
    public void Pixels_use_the_pytorch_normalisation()
    {
        var test = MnistReader.LoadSplit(TestPaths.MnistDirectory, MnistSplit.Test);
        var black = (0f - 0.1307f) / 0.3081f;
        var white = (1f - 0.1307f) / 0.3081f;

        var min = float.MaxValue;
        var max = float.MinValue;
        foreach (var p in test.Pixels)
        {
            min = Math.Min(min, p);
            max = Math.Max(max, p);
        }

        Assert.Equal(black, min);
        Assert.Equal(white, max);
        // Digits are mostly background.
        Assert.True(test.Sample(0).ToArray().Count(p => p == black) > 392);
    }

    [Fact]
    public void Plain_and_gzip_copies_load_identically_whatever_their_names()
    {
        using var temp = new TempDirectory();
        var plain = Directory.CreateDirectory(temp.Combine("plain")).FullName;
        var gzipWithoutSuffix = Directory.CreateDirectory(temp.Combine("gzip-no-suffix")).FullName;
        var plainWithSuffix = Directory.CreateDirectory(temp.Combine("plain-gz-suffix")).FullName;
        foreach (var name in FileNames)
        {
            var source = Path.Combine(TestPaths.MnistDirectory, name + ".gz");
            File.WriteAllBytes(Path.Combine(plain, name), IdxTestFiles.Gunzip(source));
            File.Copy(source, Path.Combine(gzipWithoutSuffix, name));
            File.WriteAllBytes(Path.Combine(plainWithSuffix, name + ".gz"), IdxTestFiles.Gunzip(source));
        }

        var bundled = MnistReader.LoadSplit(TestPaths.MnistDirectory, MnistSplit.Train);
        foreach (var directory in new[] { plain, gzipWithoutSuffix, plainWithSuffix })
        {
            var copy = MnistReader.LoadSplit(directory, MnistSplit.Train);
            Assert.Equal(bundled.Fingerprint, copy.Fingerprint);
            Assert.True(bundled.Pixels.SequenceEqual(copy.Pixels));
            Assert.True(bundled.Labels.SequenceEqual(copy.Labels));
        }
    }

    [Fact]
    public void Train_and_test_fingerprints_differ()
    {
        var train = MnistReader.LoadSplit(TestPaths.MnistDirectory, MnistSplit.Train);
        var test = MnistReader.LoadSplit(TestPaths.MnistDirectory, MnistSplit.Test);
        Assert.NotEqual(train.Fingerprint, test.Fingerprint);
    }

    [Fact]
    public void Missing_files_are_listed()
    {
        using var temp = new TempDirectory();
        var error = Assert.Throws<DataFormatException>(() => MnistReader.LoadSplit(temp.Path, MnistSplit.Test));

        Assert.Equal(temp.Path, error.Path);
        Assert.Contains("t10k-images-idx3-ubyte and t10k-images-idx3-ubyte.gz", error.Message);
    }

    [Fact]
    public void Small_generated_files_load_with_their_shape()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("images"), IdxTestFiles.Images(3, 4, 5));
        File.WriteAllBytes(temp.Combine("labels"), IdxTestFiles.Labels(9, 0, 4));

        var data = MnistReader.Load(temp.Combine("images"), temp.Combine("labels"), "tiny");

        Assert.Equal(new Shape3(1, 4, 5), data.SampleShape);
        Assert.Equal([9, 0, 4], data.Labels.ToArray());
        Assert.Equal(((7 * 21 % 256 / 255f) - 0.1307f) / 0.3081f, data.Sample(1)[1]);
    }
}
