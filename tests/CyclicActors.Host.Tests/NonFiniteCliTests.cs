using CyclicActors.GpuCompute.Checkpoints;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// `train --on-nonfinite` with a bad batch from `--config` (fault injection's nan-gradient-at-step):
/// stop ends with one line naming the step; skip ends the run with the step skipped, the
/// checkpoints remember it, and a run resumed from one taken after it skips it too (bitwise).
/// </summary>
public sealed class NonFiniteCliTests
{
    private static readonly string[] Train = ["train", "--model", "mlp", "--steps", "12", "--quiet", "--backend", "cpu", "--rule", "cdp-v2", "--compensation", "lookahead"];

    [Fact]
    public void A_bad_batch_stops_the_run_with_one_line_naming_the_step()
    {
        string dir = CliRunner.TempDirectory();

        var (code, _, error) = CliRunner.Run([.. Train, "--config", BadBatch(dir)]);

        Assert.Equal(1, code);
        Assert.Contains("at step 7", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // no stack traces
    }

    [Fact]
    public void With_skip_the_step_is_skipped_remembered_by_later_checkpoints_and_skipped_again_on_resume()
    {
        string dir = CliRunner.TempDirectory();
        string series = Path.Combine(dir, "series");
        string skipped = Path.Combine(dir, "skipped.json");

        var (code, _, error) = CliRunner.Run([.. Train, "--config", BadBatch(dir), "--on-nonfinite", "skip", "--save", series, "--checkpoint-every", "4", "--keep", "5", "--summary", skipped]);

        Assert.True(code == 0, error);
        var summary = CliRunner.ReadJson(skipped);
        Assert.Equal([7], summary.GetProperty("skipped_steps").EnumerateArray().Select(step => step.GetInt32()));
        Assert.Equal(0, summary.GetProperty("contributions").GetProperty("lost").GetInt64());
        var (_, afterBadStep) = CheckpointSeries.Entries(series).Single(entry => entry.Step == 8);
        // Resumed from the cut at 8 without the bad batch: step 8's stale forwards read θ_7, whose update was skipped.
        string resumed = Path.Combine(dir, "resumed.json");
        (code, _, error) = CliRunner.Run("train", "--resume", afterBadStep, "--quiet", "--summary", resumed);
        Assert.True(code == 0, error);
        Assert.Equal(Sha(skipped), Sha(resumed));
        Assert.Equal([7], CliRunner.ReadJson(resumed).GetProperty("skipped_steps").EnumerateArray().Select(step => step.GetInt32()));
    }

    [Fact]
    public void A_config_file_with_a_bad_setting_is_refused_naming_the_key()
    {
        string dir = CliRunner.TempDirectory();
        string file = Path.Combine(dir, "bad.conf");
        File.WriteAllText(file, "cyclic-actors.stall-timeout = soon\n");

        var (code, _, error) = CliRunner.Run([.. Train, "--config", file]);

        Assert.Equal(2, code);
        Assert.Contains("cyclic-actors.stall-timeout", error, StringComparison.Ordinal);
        Assert.Equal(2, CliRunner.Run([.. Train, "--config", Path.Combine(dir, "missing.conf")]).ExitCode);
    }

    private static string BadBatch(string dir)
    {
        string file = Path.Combine(dir, "bad-batch.conf");
        File.WriteAllText(file, "cyclic-actors.fault-injection.nan-gradient-at-step = 7\n");
        return file;
    }

    private static string Sha(string summary) => CliRunner.ReadJson(summary).GetProperty("parameter_sha256").GetString()!;
}
