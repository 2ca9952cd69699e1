using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// --reducer-shards on the command line: a seed and two member processes with every stage's reducer
/// split over both members reach the one-process parameters bit for bit, and each member then sends
/// its peer about as many tensor bytes as it receives (no member carries a whole stage), and the
/// cuts its sharded reducers send to the seed become checkpoints that resume to the same parameters;
/// checkpoints taken by sharded reducers resume under any shard count; combinations with nothing to shard are refused.
/// </summary>
public sealed class ReducerShardsProcessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task A_cluster_with_sharded_reducers_trains_to_the_one_process_parameters_with_balanced_links_and_checkpoints()
    {
        string dir = CliRunner.TempDirectory();
        string[] training = ["--model", "cnn", "--workers", "4", "--steps", "4", "--rule", "cdp-v2", "--data", CliRunner.BundledData, "--quiet"];
        string expected = CliRunner.OneProcessSha(training, dir);
        string cluster = Path.Combine(dir, "seed.json");
        string checkpoints = Path.Combine(dir, "ck");

        // Every shard's cut has to reach the seed (each leaves through its own shard's gateway) for a checkpoint to be written.
        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--reducer-shards", "2", "--port", "0", "--summary", cluster,
            "--save", checkpoints, "--checkpoint-every", "2"]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        string[] member = ["member", "--seed-node", seedNode, "--workers-per-node", "2", "--data", CliRunner.BundledData, "--backend", "cpu"];
        using var first = NodeProcess.Start("member 1", member);
        using var second = NodeProcess.Start("member 2", member);
        foreach (var node in new[] { seed, first, second })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        Assert.Equal(expected, CliRunner.ReadJson(cluster).GetProperty("parameter_sha256").GetString());
        Assert.Contains("reducer shards of stages 0,1,2,3", seed.Output);
        long[] links = [.. CliRunner.ReadJson(cluster).GetProperty("links").EnumerateArray().Select(link => link.GetProperty("tensor_bytes_sent").GetInt64())];
        Assert.Equal(2, links.Length);
        // Unsharded, cnn's largest stage (205k of 225k parameters) makes one direction carry ~10x the other.
        Assert.True(Math.Max(links[0], links[1]) < 1.2 * Math.Min(links[0], links[1]), $"link bytes {links[0]:N0} and {links[1]:N0}");

        string resumed = Path.Combine(dir, "resumed.json");
        var (code, stdout, stderr) = CliRunner.Run(["train", .. training, "--backend", "cpu", "--resume", Path.Combine(checkpoints, "step-00000002"), "--summary", resumed]);
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(expected, CliRunner.ReadJson(resumed).GetProperty("parameter_sha256").GetString());
    }

    [Fact]
    public void Checkpoints_of_sharded_reducers_resume_bitwise_under_another_shard_count()
    {
        string dir = CliRunner.TempDirectory();
        string[] training = ["train", "--model", "mlp", "--workers", "4", "--steps", "8", "--rule", "cdp-v1", "--data", CliRunner.BundledData, "--backend", "cpu", "--quiet"];
        string whole = Path.Combine(dir, "whole.json");
        string resumed = Path.Combine(dir, "resumed.json");
        string checkpoints = Path.Combine(dir, "ck");
        var (code, stdout, stderr) = CliRunner.Run([.. training, "--reducer-shards", "3", "--save", checkpoints, "--checkpoint-every", "4", "--summary", whole]);
        Assert.True(code == 0, stdout + stderr);
        (code, stdout, stderr) = CliRunner.Run([.. training, "--reducer-shards", "2", "--resume", Path.Combine(checkpoints, "step-00000004"), "--summary", resumed]);
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(CliRunner.ReadJson(whole).GetProperty("parameter_sha256").GetString(), CliRunner.ReadJson(resumed).GetProperty("parameter_sha256").GetString());
    }

    [Theory]
    [InlineData("--parallelism", "model", "--reducer-shards splits the stage reducers of --parallelism data; --parallelism model has none")]
    [InlineData("--engine", "simulation", "--reducer-shards splits the stage reducers of the actor runtime (--engine actors), not of --engine simulation")]
    public void Reducer_shards_without_stage_reducers_are_refused(string flag, string value, string message)
    {
        var (code, _, stderr) = CliRunner.Run(["train", "--model", "mlp", "--steps", "1", "--data", CliRunner.BundledData, "--reducer-shards", "2", flag, value]);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }
}
