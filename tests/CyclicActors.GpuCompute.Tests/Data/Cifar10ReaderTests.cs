using CyclicActors.Tests.Shared;
using CyclicActors.GpuCompute.Data;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Data;

public sealed class Cifar10ReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Generated_batches_round_trip()
    {
        var expectedLabels = new List<byte>();
        for (var batch = 1; batch <= 5; batch++)
        {
            byte[] labels = [(byte)batch, (byte)(9 - batch)];
            expectedLabels.AddRange(labels);
            File.WriteAllBytes(_temp.Combine($"data_batch_{batch}.bin"), Records(labels, seed: batch));
        }

        File.WriteAllBytes(_temp.Combine("test_batch.bin"), Records([3, 1, 4], seed: 99));

        var train = Cifar10Reader.LoadSplit(_temp.Path, CifarSplit.Train);
        var test = Cifar10Reader.LoadSplit(_temp.Path, CifarSplit.Test);

        Assert.Equal("cifar10-train", train.Name);
        Assert.Equal(new Shape3(3, 32, 32), train.SampleShape);
        Assert.Equal(expectedLabels, train.Labels.ToArray());
        Assert.Equal([3, 1, 4], test.Labels.ToArray());

        // Record 1 of batch 2 is sample 3; its pixel bytes are CHW, normalised per channel.
        var record = Records([2, 7], seed: 2).AsSpan(Cifar10Reader.RecordBytes + 1, 3072).ToArray();
        var sample = train.Sample(3);
        float[] mean = [0.4914f, 0.4822f, 0.4465f];
        float[] std = [0.2023f, 0.1994f, 0.2010f];
        foreach (var (channel, index) in new[] { (0, 0), (1, 1024 + 77), (2, 2048 + 1023) })
        {
            Assert.Equal(((record[index] / 255f) - mean[channel]) / std[channel], sample[index]);
        }
    }

    [Fact]
    public void Batches_in_the_archive_subdirectory_are_found_and_gzip_is_accepted()
    {
        var subdirectory = Directory.CreateDirectory(_temp.Combine("cifar-10-batches-bin")).FullName;
        var plain = Records([5, 6], seed: 1);
        File.WriteAllBytes(Path.Combine(subdirectory, "test_batch.bin"), IdxTestFiles.Gzip(plain));

        var test = Cifar10Reader.LoadSplit(_temp.Path, CifarSplit.Test);

        Assert.Equal([5, 6], test.Labels.ToArray());
        File.WriteAllBytes(_temp.Combine("plain.bin"), plain);
        Assert.Equal(Cifar10Reader.Load([_temp.Combine("plain.bin")], "plain").Fingerprint, test.Fingerprint);
    }

    [Fact]
    public void Size_not_a_multiple_of_the_record_fails()
    {
        File.WriteAllBytes(_temp.Combine("test_batch.bin"), [.. Records([1, 2], seed: 3), 0, 0, 0]);

        var error = Assert.Throws<DataFormatException>(() => Cifar10Reader.LoadSplit(_temp.Path, CifarSplit.Test));

        Assert.Equal(_temp.Combine("test_batch.bin"), error.Path);
        Assert.Contains("6149 bytes is not a positive multiple of the 3073-byte CIFAR-10 record", error.Problem);
    }

    [Fact]
    public void Empty_file_fails()
    {
        File.WriteAllBytes(_temp.Combine("test_batch.bin"), []);
        var error = Assert.Throws<DataFormatException>(() => Cifar10Reader.LoadSplit(_temp.Path, CifarSplit.Test));
        Assert.Contains("empty", error.Problem);
    }

    [Fact]
    public void Label_out_of_range_fails()
    {
        File.WriteAllBytes(_temp.Combine("test_batch.bin"), Records([1, 10, 2], seed: 4));

        var error = Assert.Throws<DataFormatException>(() => Cifar10Reader.LoadSplit(_temp.Path, CifarSplit.Test));

        Assert.Equal(_temp.Combine("test_batch.bin"), error.Path);
        Assert.Contains("label 10 of record 1 is out of range 0..9", error.Problem);
    }

    [Fact]
    public void Missing_batches_are_listed()
    {
        File.WriteAllBytes(_temp.Combine("data_batch_1.bin"), Records([1], seed: 1));

        var error = Assert.Throws<DataFormatException>(() => Cifar10Reader.LoadSplit(_temp.Path, CifarSplit.Train));

        Assert.Equal(_temp.Path, error.Path);
        Assert.Contains("data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin", error.Problem);
        Assert.Contains("missing here: data_batch_2.bin", error.Problem);
    }

    private static byte[] Records(byte[] labels, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        var bytes = new byte[labels.Length * Cifar10Reader.RecordBytes];
        for (var r = 0; r < labels.Length; r++)
        {
            bytes[r * Cifar10Reader.RecordBytes] = labels[r];
            for (var i = 1; i < Cifar10Reader.RecordBytes; i++)
            {
                bytes[(r * Cifar10Reader.RecordBytes) + i] = (byte)random.NextInt(256);
            }
        }

        return bytes;
    }
}
