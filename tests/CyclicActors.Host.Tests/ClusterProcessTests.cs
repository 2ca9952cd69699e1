using System.Globalization;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A seed and two members as separate OS processes on 127.0.0.1 train cnn with N = 4 workers (2
/// per member) and reach the parameters of one-process `train` with the same options, bit for bit.
/// </summary>
public sealed class ClusterProcessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);

    [Theory]
    [InlineData("dp")]
    [InlineData("cdp-v1")]
    [InlineData("cdp-v2")]
    public async Task A_seed_and_two_member_processes_train_to_the_one_process_parameters(string rule)
    {
        string dir = CliRunner.TempDirectory();
        string[] training = ["--model", "cnn", "--workers", "4", "--steps", "3", "--rule", rule, "--data", CliRunner.BundledData, "--quiet"];
        string oneProcess = Path.Combine(dir, "train.json");
        string cluster = Path.Combine(dir, "seed.json");
        var (trainCode, trainOut, trainError) = CliRunner.Run(["train", .. training, "--backend", "cpu", "--summary", oneProcess]);
        Assert.True(trainCode == 0, trainOut + trainError);

        int port = NodeProcess.FreePort();
        string seedNode = string.Create(CultureInfo.InvariantCulture, $"akka.tcp://cyclic@127.0.0.1:{port}");
        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--port", port.ToString(CultureInfo.InvariantCulture), "--summary", cluster]);
        using var first = NodeProcess.Start("member 1", Member(seedNode));
        using var second = NodeProcess.Start("member 2", Member(seedNode));

        foreach (var node in new[] { seed, first, second })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        var expected = CliRunner.ReadJson(oneProcess);
        var actual = CliRunner.ReadJson(cluster);
        Assert.Equal(expected.GetProperty("parameter_sha256").GetString(), actual.GetProperty("parameter_sha256").GetString());
        Assert.Equal(3, actual.GetProperty("steps").GetInt32());
        Assert.Equal(expected.GetProperty("final_loss").GetDouble(), actual.GetProperty("final_loss").GetDouble());
        Assert.Contains("member: trained 3 steps.", first.Output);
        var nodes = actual.GetProperty("nodes").EnumerateArray().ToArray();
        Assert.Equal(2, nodes.Length);
        Assert.All(nodes, node =>
        {
            Assert.True(node.GetProperty("peak_activation_bytes").GetInt64() > 0);
            Assert.True(node.GetProperty("tensor_bytes_sent").EnumerateObject().Single().Value.GetInt64() > 0);
        });
    }

    [Fact]
    public async Task A_member_without_data_fails_to_join_and_the_seed_names_what_is_missing()
    {
        string dir = CliRunner.TempDirectory();
        string config = Path.Combine(dir, "short-join.conf");
        File.WriteAllText(config, "cyclic-actors.cluster.join-timeout = 15s\n");
        int port = NodeProcess.FreePort();
        string seedNode = string.Create(CultureInfo.InvariantCulture, $"akka.tcp://cyclic@127.0.0.1:{port}");
        using var seed = NodeProcess.Start("seed", "seed", "--model", "cnn", "--workers", "2", "--steps", "1", "--data", CliRunner.BundledData, "--quiet",
            "--port", port.ToString(CultureInfo.InvariantCulture), "--config", config);
        using var member = NodeProcess.Start("member", "member", "--seed-node", seedNode, "--data", Path.Combine(dir, "no-such-data"), "--backend", "cpu");

        Assert.Equal(1, await member.ExitCodeAsync(Limit));
        Assert.Contains("cannot take part: data directory", member.Output);
        Assert.Equal(1, await seed.ExitCodeAsync(Limit));
        Assert.Contains("2 of 2 workers missing; no member admitted.", seed.Output);
    }

    [Fact]
    public async Task An_elastic_start_with_a_reducer_only_member_trains_to_the_one_process_parameters_of_the_smaller_world()
    {
        // --workers 4 --min-workers 2: only a reducer-only member and one member with 2 workers join,
        // so at the join timeout the seed starts with N' = 2 (valid for CDP-v2 with L = 4).
        string dir = CliRunner.TempDirectory();
        string config = Path.Combine(dir, "short-join.conf");
        File.WriteAllText(config, "cyclic-actors.cluster.join-timeout = 15s\n");
        string[] training = ["--model", "cnn", "--steps", "3", "--rule", "cdp-v2", "--data", CliRunner.BundledData, "--quiet"];
        string oneProcess = Path.Combine(dir, "train.json");
        string cluster = Path.Combine(dir, "seed.json");
        var (trainCode, trainOut, trainError) = CliRunner.Run(["train", .. training, "--workers", "2", "--backend", "cpu", "--summary", oneProcess]);
        Assert.True(trainCode == 0, trainOut + trainError);

        int port = NodeProcess.FreePort();
        string seedNode = string.Create(CultureInfo.InvariantCulture, $"akka.tcp://cyclic@127.0.0.1:{port}");
        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--workers", "4", "--min-workers", "2", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--config", config, "--summary", cluster]);
        using var reducer = NodeProcess.Start("reducer", ["member", "--seed-node", seedNode, "--roles", "reducer", "--workers-per-node", "0", "--data", CliRunner.BundledData, "--backend", "cpu"]);
        using var worker = NodeProcess.Start("worker", Member(seedNode));

        foreach (var node in new[] { seed, reducer, worker })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        Assert.Contains("Starting with 2 of 4 workers after 15 s (min-workers 2)", seed.Output);
        Assert.Contains("member: admitted as a reducer-only node", reducer.Output);
        var expected = CliRunner.ReadJson(oneProcess);
        var actual = CliRunner.ReadJson(cluster);
        Assert.Equal(expected.GetProperty("parameter_sha256").GetString(), actual.GetProperty("parameter_sha256").GetString());
        Assert.Equal(2, actual.GetProperty("workers").GetInt32());
        var nodes = actual.GetProperty("nodes").EnumerateArray().ToArray();
        var reducerNode = Assert.Single(nodes, node => node.GetProperty("ranks").GetArrayLength() == 0);
        Assert.Equal([0, 1, 2, 3], reducerNode.GetProperty("reducer_stages").EnumerateArray().Select(stage => stage.GetInt32()));
        Assert.Equal(0, reducerNode.GetProperty("peak_activation_bytes").GetInt64());
        Assert.Contains("(reducer-only: stages 0,1,2,3)", seed.Output);
    }

    private static string[] Member(string seedNode) =>
        ["member", "--seed-node", seedNode, "--workers-per-node", "2", "--data", CliRunner.BundledData, "--backend", "cpu"];
}
