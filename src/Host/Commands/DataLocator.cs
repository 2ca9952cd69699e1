using CyclicActors.GpuCompute.Data;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>Finds and loads a data directory: MNIST IDX (gzip or not) or CIFAR-10 binary batches.</summary>
internal static class DataLocator
{
    public const string BundledRelativePath = "data/mnist";

    /// <summary>The bundled MNIST subset: looked up from the working directory and from the program's folder upwards.</summary>
    public static string DefaultDirectory()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, BundledRelativePath);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new UsageException($"the bundled data ({BundledRelativePath}) was not found above {Directory.GetCurrentDirectory()}; pass --data DIR");
    }

    /// <summary>Where Debian's dataset-fashion-mnist package puts the full Fashion-MNIST (70,000 images, IDX, gzip).</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// The directory a --data value names: "fashion-mnist" is Debian's copy (refused with how to install
    /// it when absent); anything else is a directory path. Null: the bundled MNIST subset.
    /// </summary>
    public static string Resolve(string? value, string fashionMnist = FashionMnistDirectory)
    {
        if (value is null)
        {
            return DefaultDirectory();
        }

        if (value != "fashion-mnist" || Directory.Exists(value))
        {
            return value;
        }

        return File.Exists(Path.Combine(fashionMnist, "train-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(fashionMnist, "train-images-idx3-ubyte"))
            ? fashionMnist
            : throw new UsageException($"--data fashion-mnist: Debian's copy is not installed (no {fashionMnist}); install it with: sudo apt-get install dataset-fashion-mnist, or pass --data DIR");
    }

    public static bool IsCifar(string directory) =>
        File.Exists(Path.Combine(directory, "data_batch_1.bin")) || File.Exists(Path.Combine(directory, "test_batch.bin"));

    /// <summary>
    /// The training and test splits of <paramref name="directory"/>, checked to describe the same task:
    /// equal image shapes and class counts, so a mismatch is found when the data is read, not after training.
    /// </summary>
    public static (Dataset Train, Dataset Test) LoadSplits(string directory)
    {
        var train = Load(directory, train: true);
        var test = Load(directory, train: false);
        if (test.SampleShape != train.SampleShape)
        {
            throw new DataFormatException(directory, $"the test images are {test.SampleShape} but the training images are {train.SampleShape}; both splits must have one image size");
        }

        return test.ClassCount == train.ClassCount
            ? (train, test)
            : throw new DataFormatException(directory, $"the test split has {test.ClassCount} classes but the training split {train.ClassCount}");
    }

    public static Dataset Load(string directory, bool train)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new UsageException($"--data needs a directory path; got '{directory}'");
        }

        if (File.Exists(directory) && !Directory.Exists(directory))
        {
            throw new UsageException($"--data {directory} is a file; give the directory that holds the data files (MNIST IDX or CIFAR-10 batches)");
        }

        if (!Directory.Exists(directory))
        {
            throw new UsageException($"data directory '{directory}' does not exist");
        }

        return IsCifar(directory)
            ? Cifar10Reader.LoadSplit(directory, train ? CifarSplit.Train : CifarSplit.Test)
            : MnistReader.LoadSplit(directory, train ? MnistSplit.Train : MnistSplit.Test);
    }
}
