namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>A checkpoint or safetensors file is missing or malformed. The message names the file and the problem.</summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    public string Path { get; }

    public string Problem { get; }
}
