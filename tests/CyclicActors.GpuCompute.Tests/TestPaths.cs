namespace CyclicActors.GpuCompute.Tests;

/// <summary>Locates files of the repository from the test binaries' folder.</summary>
internal static class TestPaths
{
    /// <summary>The directory holding CyclicActors.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string MnistDirectory => Path.Combine(RepositoryRoot, "data", "mnist");

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CyclicActors.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"CyclicActors.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A fresh temporary directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cyclic-actors-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
