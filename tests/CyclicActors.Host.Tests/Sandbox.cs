using System.Security.Cryptography;
using CyclicActors.Tests.Shared;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A temporary directory standing for a user's files: copies of the bundled data, a valid checkpoint,
/// files of the user's own, and a snapshot of everything in it, to check that a failed run changed nothing.
/// </summary>
internal sealed class Sandbox : IDisposable
{
    private static readonly Lazy<string> SharedCheckpoint = new(MakeCheckpoint);

    public Sandbox()
    {
        Root = Directory.CreateTempSubdirectory("cyclic-sandbox-").FullName;
    }

    public string Root { get; }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public string WriteText(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string WriteBytes(string relative, byte[] content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string Folder(string relative)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A copy of the bundled MNIST subset (gzip IDX files) in <paramref name="relative"/>.</summary>
    public string Data(string relative = "data")
    {
        var directory = Folder(relative);
        foreach (var file in Directory.GetFiles(CliRunner.BundledData, "*.gz"))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }

        return directory;
    }

    /// <summary>A small MNIST-format data set of zero images of <paramref name="rows"/> x <paramref name="cols"/> pixels per split.</summary>
    public string SyntheticData(string relative, (int Count, int Rows, int Cols) train, (int Count, int Rows, int Cols) test)
    {
        var directory = Folder(relative);
        foreach (var (prefix, (count, rows, cols)) in new[] { ("train", train), ("t10k", test) })
        {
            File.WriteAllBytes(Path.Combine(directory, $"{prefix}-images-idx3-ubyte"), IdxTestFiles.Images(count, rows, cols));
            File.WriteAllBytes(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte"), IdxTestFiles.Labels([.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]));
        }

        return directory;
    }

    /// <summary>A copy of a valid checkpoint (mlp, one step) in <paramref name="relative"/>.</summary>
    public string Checkpoint(string relative = "ckpt")
    {
        var directory = Folder(relative);
        foreach (var file in Directory.GetFiles(SharedCheckpoint.Value))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }

        return directory;
    }

    public string Fifo(string relative)
    {
        var path = PathOf(relative);
        UnixFiles.MakeFifo(path);
        return path;
    }

    /// <summary>Every entry under the sandbox: directories, links (with their targets) and files (with their SHA-256).</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(Root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            string relative = Path.GetRelativePath(Root, entry.FullName);
            entries[relative] = entry switch
            {
                { LinkTarget: { } target } => "link to " + target,
                DirectoryInfo => "directory",
                FileInfo file when file.Length == 0 => "empty or special file",
                _ => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry.FullName))),
            };
        }

        return entries;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static string MakeCheckpoint()
    {
        var directory = Path.Combine(CliRunner.TempDirectory(), "ckpt");
        var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--steps", "1", "--quiet", "--save", directory);
        return code == 0 ? directory : throw new InvalidOperationException($"could not make the test checkpoint: {output}{error}");
    }
}
