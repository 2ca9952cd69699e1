using Xunit;

namespace CyclicActors.Host.Tests;

public sealed class CommandLineErrorTests
{
    [Theory]
    [InlineData("unknown flag --bogus", "train", "--bogus", "1")]
    [InlineData("--lr must be a number; got 'abc'", "train", "--lr", "abc")]
    [InlineData("--epochs must be between 1", "train", "--epochs", "0")]
    [InlineData("--model must be one of", "train", "--model", "vgg")]
    [InlineData("--batch needs a value", "train", "--batch")]
    [InlineData("--seed was given more than once", "train", "--seed", "1", "--seed", "2")]
    [InlineData("unknown command 'fly'", "fly")]
    [InlineData("unknown flag --epoch for 'train'; did you mean --epochs?", "train", "--epoch", "3")]
    [InlineData("unknown flag --worker for 'seed'; did you mean --workers?", "seed", "--worker", "3")]
    [InlineData("unknown flag --chekpoint for 'evaluate'; did you mean --checkpoint?", "evaluate", "--chekpoint", "x")]
    [InlineData("unknown command 'trian'; did you mean train?", "trian")]
    [InlineData("--model must be one of mlp, mlp-deep, cnn, resnet-mini; got 'cnm'; did you mean cnn?", "train", "--model=cnm")]
    [InlineData("--parallelism: Unknown parallelism 'zeor'; valid values: data, model, zero; did you mean zero?", "train", "--parallelism", "zeor")]
    [InlineData("cyclic completion needs the shell, bash or zsh; got 'bsh'; did you mean bash?", "completion", "bsh")]
    [InlineData("does not exist", "train", "--data", "/nonexistent/cyclic-data")]
    [InlineData("--checkpoint DIR is required", "evaluate")]
    [InlineData("valid N for L = 4: 1, 2, 4, 8", "schedule", "--workers", "3", "--stages", "4")]
    [InlineData("--partition/--stages", "train", "--stages", "11")]
    [InlineData("--min-workers 5 must be between 1 and --workers 4", "seed", "--workers", "4", "--min-workers", "5")]
    [InlineData("--min-workers 0 must be between 1 and --workers 4", "seed", "--workers", "4", "--min-workers", "0")]
    [InlineData("valid N for L = 4: 1, 2, 4, 8", "seed", "--workers", "3")]
    [InlineData("--workers-per-node 0 needs --roles reducer", "member", "--seed-node", "akka.tcp://cyclic@127.0.0.1:4053", "--workers-per-node", "0")]
    [InlineData("--bandwidth must be a rate such as 100Mbit, 10Gbit, 1.25GB (bytes per second) or 0 (unlimited); got 'fast'", "plan", "--bandwidth", "fast")]
    [InlineData("--latency must be a duration such as 1ms, 250us, 0.5s or 0; got '3 parsecs'", "plan", "--latency", "3 parsecs")]
    [InlineData("unknown flag --worker for 'plan'; did you mean --workers?", "plan", "--worker", "4")]
    [InlineData("--sweep-machines must list integers between 1 and 4096 separated by commas; got '1,x'", "plan", "--sweep-machines", "1,x")]
    [InlineData("--machines 8 is more than --workers 4: every machine needs a worker", "plan", "--machines", "8")]
    [InlineData("--rules: Unknown update rule 'cpd-v1'; valid values: dp, cdp-v1, cdp-v2; did you mean cdp-v1?", "plan", "--rules", "dp,cpd-v1")]
    [InlineData("--tensor-port must be between 0 and 65535; got 70000", "member", "--seed-node", "akka.tcp://cyclic@127.0.0.1:4053", "--tensor-port", "70000")]
    public void Bad_input_gets_one_clear_line_and_exit_code_2(string expected, params string[] args)
    {
        var (code, output, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("at CyclicActors", error + output);
    }

    [Fact]
    public void A_word_far_from_every_flag_gets_no_guess()
    {
        var (code, _, error) = CliRunner.Run("train", "--xyzzy", "1");
        Assert.Equal(2, code);
        Assert.DoesNotContain("did you mean", error);
    }

    [Fact]
    public void Dash_h_is_help_and_flag_equals_value_is_a_value()
    {
        var (code, output, _) = CliRunner.Run("schedule", "-h");
        Assert.Equal(0, code);
        Assert.Contains("cyclic schedule:", output);
        var (scheduleCode, table, error) = CliRunner.Run("schedule", "--workers=2", "--stages=2");
        Assert.True(scheduleCode == 0, error);
        Assert.Equal(CliRunner.Run("schedule", "--workers", "2", "--stages", "2").Out, table);
    }

    [Fact]
    public void The_completion_script_offers_every_commands_flags_and_is_valid_bash()
    {
        var (code, script, error) = CliRunner.Run("completion", "bash");
        Assert.True(code == 0, error);
        Assert.Contains("complete -o default -F _cyclic cyclic", script);
        Assert.Contains("--parallelism", script);
        Assert.Contains("\"certs issue\")", script);
        string file = Path.Combine(CliRunner.TempDirectory(), "cyclic.bash");
        File.WriteAllText(file, script);
        // Sourced into bash, asked for "cyclic train --epo<TAB>": the completion is --epochs.
        var bash = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", $"source {file}; COMP_WORDS=(cyclic train --epo); COMP_CWORD=2; _cyclic; echo \"${{COMPREPLY[@]}}\""])
        {
            RedirectStandardOutput = true,
        })!;
        string completed = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        Assert.Equal("--epochs", completed.Trim());
    }

    [Fact]
    public void Missing_data_files_are_named()
    {
        string empty = CliRunner.TempDirectory();
        var (code, _, error) = CliRunner.Run("train", "--data", empty, "--steps", "1");
        Assert.Equal(1, code);
        Assert.Contains("train-images-idx3-ubyte", error);
    }

    [Fact]
    public void Truncated_idx_file_fails_naming_the_file()
    {
        string dir = CliRunner.TempDirectory();
        foreach (string file in Directory.GetFiles(CliRunner.BundledData, "*.gz"))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        // An uncompressed images file cut in the middle of the pixels takes precedence over nothing: replace the gzip one.
        string images = Path.Combine(dir, "train-images-idx3-ubyte.gz");
        byte[] raw = Decompress(images);
        File.Delete(images);
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), raw[..(raw.Length / 2)]);

        var (code, _, error) = CliRunner.Run("train", "--data", dir, "--steps", "1");
        Assert.Equal(1, code);
        Assert.Contains("train-images-idx3-ubyte", error);
        Assert.Contains("truncated", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Wrong_magic_fails_naming_the_file()
    {
        string dir = CliRunner.TempDirectory();
        foreach (string file in Directory.GetFiles(CliRunner.BundledData, "*.gz"))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        string labels = Path.Combine(dir, "t10k-labels-idx1-ubyte.gz");
        byte[] raw = Decompress(labels);
        raw[3] = 0x03;
        File.Delete(labels);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), raw);

        var (code, _, error) = CliRunner.Run("train", "--data", dir, "--steps", "1");
        Assert.Equal(1, code);
        Assert.Contains("t10k-labels-idx1-ubyte", error);
        Assert.Contains("magic", error, StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] Decompress(string path)
    {
        using var input = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
