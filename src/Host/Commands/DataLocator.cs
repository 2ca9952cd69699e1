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

    public static bool IsCifar(string directory) =>
        File.Exists(Path.Combine(directory, "data_batch_1.bin")) || File.Exists(Path.Combine(directory, "test_batch.bin"));

    public static Dataset Load(string directory, bool train)
    {
        if (!Directory.Exists(directory))
        {
            throw new UsageException($"data directory '{directory}' does not exist");
        }

        return IsCifar(directory)
            ? Cifar10Reader.LoadSplit(directory, train ? CifarSplit.Train : CifarSplit.Test)
            : MnistReader.LoadSplit(directory, train ? MnistSplit.Train : MnistSplit.Test);
    }
}
