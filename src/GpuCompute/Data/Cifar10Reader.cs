namespace CyclicActors.GpuCompute.Data;

public enum CifarSplit
{
    Train,
    Test,
}

/// <summary>
/// Reads CIFAR-10 binary batches (the "binary version" from the CIFAR site): each record is one label
/// byte (0..9) then 3072 pixel bytes, 1024 red, 1024 green, 1024 blue, row-major 32x32, i.e. CHW.
/// Files may be gzip-compressed (detected by content). Pixels are normalised with
/// <see cref="ChannelNormalization.Cifar10"/>.
/// </summary>
public static class Cifar10Reader
{
    public const int ClassCount = 10;

    public static readonly Shape3 SampleShape = new(3, 32, 32);

    public const int RecordBytes = 1 + (3 * 32 * 32);

    /// <summary>
    /// Loads `data_batch_1.bin`..`data_batch_5.bin` (train) or `test_batch.bin` (test) from
    /// <paramref name="directory"/>, or from its `cifar-10-batches-bin` subdirectory (where the
    /// official archive extracts to).
    /// </summary>
    public static Dataset LoadSplit(string directory, CifarSplit split)
    {
        string[] names = split switch
        {
            CifarSplit.Train => [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")],
            CifarSplit.Test => ["test_batch.bin"],
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown CIFAR split."),
        };

        string[] searched = [directory, Path.Combine(directory, "cifar-10-batches-bin")];
        foreach (var candidate in searched)
        {
            if (names.All(n => File.Exists(Path.Combine(candidate, n))))
            {
                return Load([.. names.Select(n => Path.Combine(candidate, n))], $"cifar10-{split.ToString().ToLowerInvariant()}");
            }
        }

        var missing = names.Where(n => !File.Exists(Path.Combine(directory, n)));
        throw new DataFormatException(directory,
            $"missing CIFAR-10 {split.ToString().ToLowerInvariant()} files: looked for {string.Join(", ", names)} " +
            $"in the directory and in cifar-10-batches-bin/ (missing here: {string.Join(", ", missing)})");
    }

    /// <summary>Loads the given batch files in order as one data set.</summary>
    public static Dataset Load(IReadOnlyList<string> paths, string name)
    {
        if (paths.Count == 0)
        {
            throw new ArgumentException("Need at least one CIFAR-10 batch file.", nameof(paths));
        }

        var contents = new byte[paths.Count][];
        long records = 0;
        for (var f = 0; f < paths.Count; f++)
        {
            contents[f] = DataFile.ReadDecoded(paths[f]);
            var length = contents[f].Length;
            if (length == 0 || length % RecordBytes != 0)
            {
                throw new DataFormatException(paths[f],
                    $"size {length} bytes is not a positive multiple of the {RecordBytes}-byte CIFAR-10 record " +
                    $"(1 label + 3072 pixels); {length / RecordBytes} whole records and {length % RecordBytes} stray bytes");
            }

            records += length / RecordBytes;
        }

        var pixelsPerSample = SampleShape.Elements;
        if (records * pixelsPerSample > Array.MaxLength)
        {
            throw new DataFormatException(paths[^1], $"absurd total of {records} records: too large for one array");
        }

        var pixels = new float[records * pixelsPerSample];
        var labels = new byte[records];
        var sample = 0;
        for (var f = 0; f < paths.Count; f++)
        {
            var content = contents[f];
            for (var r = 0; r < content.Length / RecordBytes; r++, sample++)
            {
                var record = content.AsSpan(r * RecordBytes, RecordBytes);
                if (record[0] >= ClassCount)
                {
                    throw new DataFormatException(paths[f], $"label {record[0]} of record {r} is out of range 0..{ClassCount - 1}");
                }

                labels[sample] = record[0];
                ChannelNormalization.Cifar10.Apply(record[1..], pixels.AsSpan(sample * pixelsPerSample, pixelsPerSample));
            }
        }

        return new Dataset(name, SampleShape, ClassCount, pixels, labels, ContentFingerprint.Of(contents));
    }
}
