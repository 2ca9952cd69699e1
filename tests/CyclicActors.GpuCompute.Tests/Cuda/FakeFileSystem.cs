using Xunit;
using CyclicActors.GpuCompute.Cuda.Loading;

namespace CyclicActors.GpuCompute.Tests.Cuda;

/// <summary>An in-memory file system: a set of file paths; directories are implied by them.</summary>
internal sealed class FakeFileSystem : ILibraryFileSystem
{
    private readonly HashSet<string> _files;

    public FakeFileSystem(params string[] files) => _files = new HashSet<string>(files, StringComparer.Ordinal);

    public bool FileExists(string path) => _files.Contains(path);

    public bool DirectoryExists(string path) => _files.Any(f => f.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal));

    public IReadOnlyList<string> Directories(string parent, string pattern)
    {
        string prefix = parent.TrimEnd('/') + "/";
        return _files.Where(f => f.StartsWith(prefix, StringComparison.Ordinal))
            .Select(f => f[prefix.Length..].Split('/'))
            .Where(parts => parts.Length > 1 && Matches(parts[0], pattern))
            .Select(parts => prefix + parts[0])
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    public IReadOnlyList<string> Files(string directory, string pattern)
    {
        string prefix = directory.TrimEnd('/') + "/";
        return _files.Where(f => f.StartsWith(prefix, StringComparison.Ordinal) && !f[prefix.Length..].Contains('/') && Matches(f[prefix.Length..], pattern))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private static bool Matches(string name, string pattern)
    {
        int star = pattern.IndexOf('*');
        return star < 0 ? name == pattern : name.StartsWith(pattern[..star], StringComparison.Ordinal) && name.EndsWith(pattern[(star + 1)..], StringComparison.Ordinal);
    }
}
