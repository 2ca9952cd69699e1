using System.Text.Json;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A seed and two members as separate OS processes on 127.0.0.1 train cnn with N = 4 workers (2
/// per member) and reach the parameters of one-process `train` with the same options, bit for bit;
/// the seed's metrics lines carry the members' progress and its trace has a process per member.
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
        string metrics = Path.Combine(dir, "seed-metrics.jsonl");
        string trace = Path.Combine(dir, "seed-trace.json");
        string memberConfig = Path.Combine(dir, "member.conf");
        File.WriteAllText(memberConfig, "cyclic-actors.cluster.progress-interval = 50ms\n");
        var (trainCode, trainOut, trainError) = CliRunner.Run(["train", .. training, "--backend", "cpu", "--summary", oneProcess]);
        Assert.True(trainCode == 0, trainOut + trainError);

        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--port", "0", "--summary", cluster, "--metrics", metrics, "--trace", trace]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        using var first = NodeProcess.Start("member 1", [.. Member(seedNode), "--config", memberConfig]);
        using var second = NodeProcess.Start("member 2", [.. Member(seedNode), "--config", memberConfig]);

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
        var links = actual.GetProperty("links").EnumerateArray()
            .ToDictionary(link => $"{link.GetProperty("from").GetString()}->{link.GetProperty("to").GetString()}", link => link.GetProperty("tensor_bytes_sent").GetInt64());
        Assert.Equal(2, links.Count);
        AssertMetricsWithinLinks(metrics, links, steps: 3);
        AssertTraceHasEveryMember(trace, nodes.Select(node => node.GetProperty("node").GetString()!).ToArray(), workers: 4, stages: 4, steps: 3);
        Assert.Contains($"trace of 2 members written to {trace}", seed.Output);

        // The seed's metrics give the link traffic figure: one series per member-to-member link.
        string figures = Path.Combine(dir, "figures");
        var (plotCode, plotOut, plotError) = CliRunner.Run("plot", $"{rule}={metrics}", "--out", figures);
        Assert.True(plotCode == 0, plotOut + plotError);
        PlotTests.AssertPng(Path.Combine(figures, "links.png"), 1200, 700);
        Assert.Contains($"links.png (and .svg): {string.Join(", ", links.Keys.Order(StringComparer.Ordinal).Select(link => $"{rule}: {Plotting.RunPlots.ShortLink(link)}"))}", plotOut);
    }

    /// <summary>One line per step, each with the cluster keys; a link's bytes only grow and stay within the summary's.</summary>
    private static void AssertMetricsWithinLinks(string path, Dictionary<string, long> links, int steps)
    {
        var lines = File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(steps, lines.Length);
        var last = new Dictionary<string, long>();
        foreach (var line in lines)
        {
            foreach (var key in new[] { "tensor_bytes_per_second", "node_live_activation_bytes", "node_peak_activation_bytes", "node_micro_batches" })
            {
                Assert.True(line.TryGetProperty(key, out _), $"no {key} in {line}");
            }

            foreach (var link in line.GetProperty("link_bytes_sent").EnumerateObject())
            {
                Assert.True(links.ContainsKey(link.Name), $"unknown link {link.Name}");
                long bytes = link.Value.GetInt64();
                Assert.InRange(bytes, last.GetValueOrDefault(link.Name), links[link.Name]);
                last[link.Name] = bytes;
            }
        }
    }

    /// <summary>A process per member named by its address; every worker's ops (2 per stage per step), every reducer's track, and every link's transfers.</summary>
    private static void AssertTraceHasEveryMember(string path, string[] members, int workers, int stages, int steps)
    {
        var events = CliRunner.ReadJson(path).GetProperty("traceEvents").EnumerateArray().ToArray();
        var processes = events.Where(e => e.GetProperty("name").GetString() == "process_name").Select(e => e.GetProperty("args").GetProperty("name").GetString()!);
        Assert.Equal(members.Order(), processes.Order());
        var tracks = events.Where(e => e.GetProperty("name").GetString() == "thread_name")
            .ToDictionary(e => e.GetProperty("args").GetProperty("name").GetString()!, e => (Pid: e.GetProperty("pid").GetInt32(), Tid: e.GetProperty("tid").GetInt32()));
        var shortNames = members.Select(Actors.Cluster.NodeAddress.HostAndPort).ToArray();
        var links = shortNames.SelectMany(from => shortNames.Where(to => to != from).SelectMany(to => new[] { $"link {from}->{to} gradients", $"link {from}->{to} parameters" })).ToArray();
        Assert.Equal(Enumerable.Range(0, workers).Select(r => $"worker {r}").Concat(Enumerable.Range(0, stages).Select(s => $"reducer {s}")).Concat(links).Order(), tracks.Keys.Order());
        Assert.All(links, link => Assert.Contains(events, e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("cat").GetString() == "transfer"
            && (e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32()) == tracks[link]));
        for (int rank = 0; rank < workers; rank++)
        {
            var track = tracks[$"worker {rank}"];
            var spans = events.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("pid").GetInt32() == track.Pid && e.GetProperty("tid").GetInt32() == track.Tid)
                .Select(e => e.GetProperty("cat").GetString()).ToArray();
            Assert.Equal(2 * stages * steps, spans.Count(category => category == "op"));
            Assert.True(spans.Count(category => category == "handling") >= stages * steps, "every backward hands its gradient off in a traced span");
        }
    }

    [Fact]
    public async Task A_member_without_data_fails_to_join_and_the_seed_names_what_is_missing()
    {
        string dir = CliRunner.TempDirectory();
        string config = Path.Combine(dir, "short-join.conf");
        // The member never joins, so the seed only has to wait long enough to say who is missing.
        File.WriteAllText(config, "cyclic-actors.cluster.join-timeout = 1s\n");
        using var seed = NodeProcess.Start("seed", "seed", "--model", "cnn", "--workers", "2", "--steps", "1", "--data", CliRunner.BundledData, "--quiet",
            "--port", "0", "--config", config);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        using var member = NodeProcess.Start("member", "member", "--seed-node", seedNode, "--data", Path.Combine(dir, "no-such-data"), "--backend", "cpu");

        // The member reads its data before it starts its node: a usage error, and it never joins.
        Assert.Equal(2, await member.ExitCodeAsync(Limit));
        Assert.Contains($"data directory '{Path.Combine(dir, "no-such-data")}' does not exist", member.StandardError);
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
        // Long enough for both members to join on a loaded machine, short enough not to dominate the suite.
        File.WriteAllText(config, "cyclic-actors.cluster.join-timeout = 8s\n");
        string[] training = ["--model", "cnn", "--steps", "3", "--rule", "cdp-v2", "--data", CliRunner.BundledData, "--quiet"];
        string oneProcess = Path.Combine(dir, "train.json");
        string cluster = Path.Combine(dir, "seed.json");
        var (trainCode, trainOut, trainError) = CliRunner.Run(["train", .. training, "--workers", "2", "--backend", "cpu", "--summary", oneProcess]);
        Assert.True(trainCode == 0, trainOut + trainError);

        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--workers", "4", "--min-workers", "2", "--port", "0", "--config", config, "--summary", cluster]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        using var reducer = NodeProcess.Start("reducer", ["member", "--seed-node", seedNode, "--roles", "reducer", "--workers-per-node", "0", "--data", CliRunner.BundledData, "--backend", "cpu"]);
        using var worker = NodeProcess.Start("worker", Member(seedNode));

        foreach (var node in new[] { seed, reducer, worker })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        Assert.Contains("Starting with 2 of 4 workers after 8 s (min-workers 2)", seed.Output);
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
