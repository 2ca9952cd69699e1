using CyclicActors.GpuCompute.Checkpoints;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>`train --checkpoint-every` and `train --resume`: through the files, a resumed run ends where the uninterrupted one ends.</summary>
public sealed class ResumeTests
{
    private const int Steps = 12;

    private static string[] Run(string rule, string compensation) =>
        ["--model", "mlp", "--steps", $"{Steps}", "--quiet", "--backend", "cpu", "--rule", rule, .. rule == "dp" ? Array.Empty<string>() : ["--compensation", compensation]];

    [Theory]
    [InlineData("dp", "none")]
    [InlineData("cdp-v1", "lookahead")]
    [InlineData("cdp-v2", "lookahead")]
    [InlineData("cdp-v2", "none")]
    public void A_run_resumed_from_each_periodic_checkpoint_ends_with_the_uninterrupted_parameters(string rule, string compensation)
    {
        string dir = CliRunner.TempDirectory();
        string series = Path.Combine(dir, "series");
        string whole = Path.Combine(dir, "whole.json");
        var (code, _, error) = CliRunner.Run(["train", .. Run(rule, compensation), "--save", series, "--checkpoint-every", "5", "--keep", "5", "--summary", whole]);
        Assert.True(code == 0, error);
        string expected = Sha(whole);

        // Cuts at 5 (mid-epoch), 10 and the end, 12; the writer may skip one only if two wait behind a write.
        var entries = CheckpointSeries.Entries(series);
        Assert.Contains(entries, entry => entry.Step == Steps);
        var written = CliRunner.ReadJson(whole).GetProperty("checkpoints_written").GetInt32();
        Assert.Equal(entries.Count, written);
        foreach (var (step, entry) in entries.Where(entry => entry.Step < Steps))
        {
            string resumed = Path.Combine(dir, $"resumed-{step}.json");
            (code, var output, error) = CliRunner.Run("train", "--resume", entry, "--quiet", "--summary", resumed);
            Assert.True(code == 0, error);
            Assert.Contains($"resuming from {entry} at step {step} of {Steps}", output);
            Assert.Equal(expected, Sha(resumed));
        }
    }

    [Fact]
    public void An_end_of_run_checkpoint_extends_with_more_steps_exactly_as_a_longer_run_with_a_constant_learning_rate()
    {
        string dir = CliRunner.TempDirectory();
        string[] run = ["--model", "mlp", "--quiet", "--backend", "cpu", "--lr-schedule", "constant"];
        Assert.Equal(0, CliRunner.Run(["train", .. run, "--steps", "16", "--summary", Path.Combine(dir, "long.json")]).ExitCode);
        Assert.Equal(0, CliRunner.Run(["train", .. run, "--steps", "10", "--save", Path.Combine(dir, "ckpt")]).ExitCode);

        var (code, _, error) = CliRunner.Run("train", "--resume", Path.Combine(dir, "ckpt"), "--steps", "16", "--quiet", "--summary", Path.Combine(dir, "extended.json"));

        Assert.True(code == 0, error);
        Assert.Equal(Sha(Path.Combine(dir, "long.json")), Sha(Path.Combine(dir, "extended.json")));
    }

    [Fact]
    public void A_series_resumes_from_its_newest_checkpoint_that_loads_and_says_which_it_passed_over()
    {
        string dir = CliRunner.TempDirectory();
        string series = Path.Combine(dir, "series");
        Assert.Equal(0, CliRunner.Run(["train", .. Run("cdp-v2", "lookahead"), "--save", series, "--checkpoint-every", "4", "--keep", "3", "--summary", Path.Combine(dir, "whole.json")]).ExitCode);
        var entries = CheckpointSeries.Entries(series);
        Assert.True(entries.Count >= 2, $"expected at least two checkpoints, got {entries.Count}");
        // The end-of-run one is damaged: the newest that loads is the one before it.
        var newest = entries[^1].Directory;
        var model = Path.Combine(newest, CheckpointStore.ModelFile);
        var bytes = File.ReadAllBytes(model);
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(model, bytes);

        var (code, output, error) = CliRunner.Run("train", "--resume", series, "--quiet", "--summary", Path.Combine(dir, "resumed.json"));

        Assert.True(code == 0, error);
        Assert.Contains("passed over", error);
        Assert.Contains("hash mismatch", error);
        Assert.Contains($"resuming from {entries[^2].Directory}", output);
        Assert.Equal(Sha(Path.Combine(dir, "whole.json")), Sha(Path.Combine(dir, "resumed.json")));
    }

    [Theory]
    [InlineData("--batch", "16", "--batch 16 differs from the checkpoint's 8")]
    [InlineData("--rule", "dp", "--rule dp differs from the checkpoint's cdp-v2")]
    [InlineData("--lr", "0.1", "--lr 0.1 differs from the checkpoint's 0.05")]
    [InlineData("--seed", "9", "--seed 9 differs from the checkpoint's 1")]
    [InlineData("--engine", "reference", "need the actor runtime")]
    [InlineData("--steps", "10", "the checkpoint is at step 12 and the run would end at step 10")]
    public void A_flag_that_would_change_the_result_is_refused_naming_the_recorded_value(string flag, string value, string message)
    {
        string dir = CliRunner.TempDirectory();
        string checkpoint = Path.Combine(dir, "ckpt");
        Assert.Equal(0, CliRunner.Run(["train", .. Run("cdp-v2", "lookahead"), "--save", checkpoint]).ExitCode);
        var before = Directory.GetFiles(checkpoint).ToDictionary(file => file, File.ReadAllBytes);

        var (code, _, error) = CliRunner.Run("train", "--resume", checkpoint, flag, value, "--quiet");

        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.All(before, file => Assert.Equal(file.Value, File.ReadAllBytes(file.Key)));
    }

    [Fact]
    public void Another_world_size_continues_the_cut_with_the_first_ranks_look_ahead_state_and_more_ranks_than_it_holds_are_refused()
    {
        string dir = CliRunner.TempDirectory();
        string checkpoint = Path.Combine(dir, "ckpt");
        Assert.Equal(0, CliRunner.Run(["train", .. Run("cdp-v2", "lookahead"), "--save", checkpoint]).ExitCode);

        var (code, output, error) = CliRunner.Run("train", "--resume", checkpoint, "--workers", "2", "--steps", "16", "--quiet");
        Assert.True(code == 0, error);
        Assert.Contains("the checkpoint was taken with 4 workers and the run goes on with 2", output);

        (code, _, error) = CliRunner.Run("train", "--resume", checkpoint, "--workers", "8", "--steps", "16", "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("missing tensor 'gradient.rank4.", error);
    }

    [Fact]
    public void A_series_directory_of_another_run_or_with_foreign_files_is_refused_before_training()
    {
        string dir = CliRunner.TempDirectory();
        string series = Path.Combine(dir, "series");
        Assert.Equal(0, CliRunner.Run(["train", .. Run("dp", "none"), "--save", series, "--checkpoint-every", "6"]).ExitCode);

        var (code, _, error) = CliRunner.Run(["train", .. Run("dp", "none"), "--save", series, "--checkpoint-every", "6"]);
        Assert.Equal(2, code);
        Assert.Contains("already holds checkpoints of a run (newest: step 12)", error);

        string foreign = Path.Combine(dir, "foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "mine");
        (code, _, error) = CliRunner.Run(["train", .. Run("dp", "none"), "--save", foreign, "--checkpoint-every", "6"]);
        Assert.Equal(2, code);
        Assert.Contains("holds 'notes.txt'", error);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(foreign, "notes.txt")));

        (code, _, error) = CliRunner.Run(["train", .. Run("dp", "none"), "--checkpoint-every", "6"]);
        Assert.Equal(2, code);
        Assert.Contains("--checkpoint-every needs --save DIR", error);
    }

    [Fact]
    public void Kill_9_while_checkpoints_are_written_leaves_the_newest_complete_one_loadable()
    {
        string dir = CliRunner.TempDirectory();
        var random = new Random(20261205);
        for (var trial = 0; trial < 3; trial++)
        {
            string series = Path.Combine(dir, $"series-{trial}");
            using (var run = NodeProcess.Start("train", "train", "--model", "mlp", "--steps", "2000", "--quiet", "--backend", "cpu", "--save", series, "--checkpoint-every", "1", "--keep", "2"))
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (CheckpointSeries.Entries(series).All(entry => entry.Directory.Contains(".tmp-", StringComparison.Ordinal)) && DateTime.UtcNow < deadline && !run.HasExited)
                {
                    Thread.Sleep(20);
                }

                Thread.Sleep(random.Next(0, 400));
                Assert.False(run.HasExited, run.Output);
                run.Signal(9);
            }

            var (code, output, error) = CliRunner.Run("evaluate", "--checkpoint", series);
            Assert.True(code == 0, $"trial {trial}: {error}");
            Assert.Contains("test accuracy", output);
            var resolved = CheckpointSeries.Resolve(series);
            Assert.NotNull(CheckpointStore.Load(resolved, expectedTensors: null));
        }
    }

    private static string Sha(string summary) => CliRunner.ReadJson(summary).GetProperty("parameter_sha256").GetString()!;
}
