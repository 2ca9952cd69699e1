using System.Diagnostics;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Checkpoints;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A run writes only where it may: `--save` never replaces a directory of the user's (the issue's
/// `cd project && cyclic train --save .` used to delete the project), and an output that cannot be
/// written is refused before the first step, not after training.
/// </summary>
public sealed class OutputPathTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("train")]
    [InlineData("seed")]
    public async Task Save_dot_in_a_project_directory_refuses_and_every_file_survives_byte_for_byte(string command)
    {
        using var sandbox = new Sandbox();
        var project = sandbox.Folder("project");
        sandbox.WriteText("project/main.c", "int main(void) { return 0; }\n");
        sandbox.WriteBytes("project/sub/data.bin", [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
        sandbox.WriteText("project/sub/deeper/notes.md", "# notes\n");
        var before = sandbox.Snapshot();

        using var run = NodeProcess.StartIn(project, command, [command, "--model", "mlp", "--steps", "5", "--quiet", "--save", ".", "--data", CliRunner.BundledData]);
        int code = await run.ExitCodeAsync(Limit);

        Assert.True(code == 2, $"exit code {code}:\n{run.Output}");
        Assert.Contains($"--save: {project} holds files that are not part of a checkpoint (main.c, sub/)", run.StandardError);
        Assert.Equal(before, sandbox.Snapshot());
    }

    [Fact]
    public void Save_into_an_empty_directory_and_over_an_earlier_checkpoint_works()
    {
        using var sandbox = new Sandbox();
        var target = sandbox.Folder("empty");
        string[] run = ["train", "--model", "mlp", "--steps", "2", "--quiet", "--save", target];
        Assert.Equal(0, CliRunner.Run(run).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. run, "--seed", "7"]).ExitCode);
        Assert.Equal(7ul, CheckpointStore.ReadMetadata(target).Seed);
        Assert.Equal(["empty"], Directory.GetFileSystemEntries(sandbox.Root).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("--metrics")]
    [InlineData("--trace")]
    public void Metrics_and_trace_may_stream_to_a_device_and_the_device_stays_one(string flag)
    {
        var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--steps", "1", "--quiet", flag, "/dev/null");
        Assert.True(code == 0, output + error);
        Assert.Equal(FileKind.Special, FileKinds.Of("/dev/null"));
    }

    [ReadOnlyMountFact]
    public void Outputs_on_a_read_only_file_system_are_refused_before_training()
    {
        using var sandbox = new Sandbox();
        var mount = sandbox.Folder("readonly");
        Run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", mount);
        try
        {
            foreach (var flag in new[] { "--save", "--summary", "--metrics", "--trace" })
            {
                var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--steps", "1", "--quiet", flag, Path.Combine(mount, "out"));
                Assert.True(code == 2, $"{flag}: exit code {code}\n{output}{error}");
                Assert.Contains($"{flag} {Path.Combine(mount, "out")} cannot be written: no file can be created in {mount} (Read-only file system)", error);
                Assert.DoesNotContain("test accuracy", output); // refused before training, not after
            }
        }
        finally
        {
            Run("umount", "-l", mount);
        }
    }

    private static void Run(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { UseShellExecute = false, RedirectStandardError = true })!;
        Assert.True(process.WaitForExit(10_000) && process.ExitCode == 0, $"{command} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }
}

/// <summary>A fact that needs to mount a file system (root with CAP_SYS_ADMIN, as in CI's container); skipped otherwise, with the reason.</summary>
public sealed class ReadOnlyMountFactAttribute : FactAttribute
{
    public ReadOnlyMountFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "mounting a read-only tmpfs needs Linux";
            return;
        }

        const int CapSysAdmin = 21;
        var effective = File.ReadLines("/proc/self/status").FirstOrDefault(line => line.StartsWith("CapEff:", StringComparison.Ordinal));
        if (effective is null || ((Convert.ToUInt64(effective["CapEff:".Length..].Trim(), 16) >> CapSysAdmin) & 1) == 0)
        {
            Skip = "mounting a read-only tmpfs needs CAP_SYS_ADMIN, which this process lacks";
        }
    }
}
