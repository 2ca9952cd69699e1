using System.Text;
using System.Text.Json;

namespace CyclicActors.Host.Tests;

/// <summary>Runs the CLI in-process, capturing stdout and stderr (tests in this assembly run one at a time).</summary>
internal static class CliRunner
{
    private static readonly object Gate = new();

    public static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        lock (Gate)
        {
            var originalOut = Console.Out;
            var originalError = Console.Error;
            var output = new StringWriter(new StringBuilder());
            var error = new StringWriter(new StringBuilder());
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                int code = Program.Main(args);
                return (code, output.ToString(), error.ToString());
            }
            finally
            {
                Console.SetOut(originalOut);
                Console.SetError(originalError);
            }
        }
    }

    public static JsonElement ReadJson(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    /// <summary>The <c>parameter_sha256</c> of a one-process <c>train</c> on the CPU with <paramref name="training"/>: what a cluster run must reach.</summary>
    public static string OneProcessSha(string[] training, string directory)
    {
        string summary = Path.Combine(directory, "train.json");
        var (code, stdout, stderr) = Run(["train", .. training, "--backend", "cpu", "--summary", summary]);
        Xunit.Assert.True(code == 0, stdout + stderr);
        return ReadJson(summary).GetProperty("parameter_sha256").GetString()!;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CyclicActors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CyclicActors.sln not found above the test binaries.");
    }

    public static string BundledData => Path.Combine(RepositoryRoot(), "data", "mnist");

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "cyclic-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
