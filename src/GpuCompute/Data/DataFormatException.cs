namespace CyclicActors.GpuCompute.Data;

/// <summary>A data file (or directory) is missing or malformed. The message names the file and the problem.</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or, for missing files, the directory searched) that the problem is about.</summary>
    public string Path { get; }

    /// <summary>The problem without the path prefix.</summary>
    public string Problem { get; }
}
