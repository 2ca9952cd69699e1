namespace CyclicActors.GpuCompute.Cuda.Loading;

/// <summary>The few file-system questions the library search asks; tests pass a fake.</summary>
internal interface ILibraryFileSystem
{
    bool FileExists(string path);

    bool DirectoryExists(string path);

    /// <summary>Sub-directories of <paramref name="parent"/> whose name matches a '*' pattern, sorted.</summary>
    IReadOnlyList<string> Directories(string parent, string pattern);

    /// <summary>Files in <paramref name="directory"/> whose name matches a '*' pattern, sorted.</summary>
    IReadOnlyList<string> Files(string directory, string pattern);
}

internal sealed class RealLibraryFileSystem : ILibraryFileSystem
{
    public static readonly RealLibraryFileSystem Instance = new();

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public IReadOnlyList<string> Directories(string parent, string pattern) =>
        Directory.Exists(parent) ? Directory.GetDirectories(parent, pattern).Order(StringComparer.Ordinal).ToArray() : [];

    public IReadOnlyList<string> Files(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).ToArray() : [];
}
