namespace CyclicActors.GpuCompute.Data;

public enum MnistSplit
{
    Train,
    Test,
}

/// <summary>
/// Reads MNIST-style IDX files (MNIST, Fashion-MNIST, ...): images `*-idx3-ubyte` (magic 0x00000803,
/// sizes count, rows, cols) and labels `*-idx1-ubyte` (magic 0x00000801, size count), each plain or
/// gzip-compressed (detected by content). Pixels are normalised with <see cref="ChannelNormalization.Mnist"/>:
/// x = b / 255, then (x − 0.1307) / 0.3081, as in PyTorch's MNIST example.
/// </summary>
public static class MnistReader
{
    public const int ClassCount = 10;

    /// <summary>
    /// Loads a split from <paramref name="directory"/>: `train-images-idx3-ubyte` and `train-labels-idx1-ubyte`
    /// for <see cref="MnistSplit.Train"/>, `t10k-...` for <see cref="MnistSplit.Test"/>, each with or without
    /// `.gz` (the plain name wins if both exist).
    /// </summary>
    public static Dataset LoadSplit(string directory, MnistSplit split)
    {
        var prefix = split switch
        {
            MnistSplit.Train => "train",
            MnistSplit.Test => "t10k",
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown MNIST split."),
        };

        var images = FindFile(directory, $"{prefix}-images-idx3-ubyte", split);
        var labels = FindFile(directory, $"{prefix}-labels-idx1-ubyte", split);
        return Load(images, labels, $"mnist-{split.ToString().ToLowerInvariant()}");
    }

    /// <summary>Loads an images file and its labels file (any names).</summary>
    public static Dataset Load(string imagesPath, string labelsPath, string name)
    {
        var images = IdxFile.Read(imagesPath, 3, "images: count, rows, cols");
        var labels = IdxFile.Read(labelsPath, 1, "labels: count");
        var (count, rows, cols) = (images.Dimensions[0], images.Dimensions[1], images.Dimensions[2]);
        if (labels.Dimensions[0] != count)
        {
            throw new DataFormatException(labelsPath,
                $"image/label count mismatch: {labels.Dimensions[0]} labels but {count} images in {imagesPath}");
        }

        var labelBytes = labels.Data.ToArray();
        for (var i = 0; i < labelBytes.Length; i++)
        {
            if (labelBytes[i] >= ClassCount)
            {
                throw new DataFormatException(labelsPath, $"label {labelBytes[i]} of sample {i} is out of range 0..{ClassCount - 1}");
            }
        }

        var shape = new Shape3(1, rows, cols);
        var pixels = new float[(long)count * shape.Elements];
        var imageBytes = images.Data;
        for (var i = 0; i < count; i++)
        {
            var offset = i * shape.Elements;
            ChannelNormalization.Mnist.Apply(imageBytes.Slice(offset, shape.Elements), pixels.AsSpan(offset, shape.Elements));
        }

        var fingerprint = ContentFingerprint.Of([images.Content, labels.Content]);
        return new Dataset(name, shape, ClassCount, pixels, labelBytes, fingerprint);
    }

    private static string FindFile(string directory, string baseName, MnistSplit split)
    {
        string[] candidates = [baseName, baseName + ".gz"];
        foreach (var candidate in candidates)
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new DataFormatException(directory,
            $"missing MNIST {split.ToString().ToLowerInvariant()} file: looked for {string.Join(" and ", candidates)}");
    }
}
