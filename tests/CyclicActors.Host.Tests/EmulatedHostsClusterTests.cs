using System.Globalization;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A seed and three members, each on an emulated host of its own (a network namespace with its own
/// address on a bridge, its link shaped to 100 Mbit/s by htb): the cluster trains over real network
/// stacks, not loopback, to the one-process parameters bit for bit.
/// </summary>
public sealed class EmulatedHostsClusterTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);

    [EmulatedHostsFact]
    public async Task Seed_and_three_members_on_emulated_hosts_train_to_the_one_process_parameters()
    {
        string dir = CliRunner.TempDirectory();
        string[] training = ["--model", "cnn", "--workers", "4", "--steps", "4", "--rule", "cdp-v2", "--data", CliRunner.BundledData, "--quiet"];
        string expected = CliRunner.OneProcessSha(training, dir);
        string cluster = Path.Combine(dir, "seed.json");

        using var hosts = EmulatedHosts.Up(4, "100mbit");
        var (seedHost, seedAddress) = hosts.Hosts[0];
        using var seed = NodeProcess.StartInNamespace(seedHost, "seed", ["seed", .. training, "--host", seedAddress, "--port", "0", "--summary", cluster]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        Assert.Contains($"@{seedAddress}:", seedNode);
        var members = hosts.Hosts.Skip(1)
            .Select((host, i) => NodeProcess.StartInNamespace(host.Namespace, $"member {i + 1} ({host.Address})",
                ["member", "--seed-node", seedNode, "--host", host.Address, "--workers-per-node", (i == 0 ? 2 : 1).ToString(CultureInfo.InvariantCulture),
                 "--data", CliRunner.BundledData, "--backend", "cpu"]))
            .ToArray();
        try
        {
            foreach (var node in members.Prepend(seed))
            {
                Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
            }
        }
        finally
        {
            foreach (var member in members)
            {
                member.Dispose();
            }
        }

        var actual = CliRunner.ReadJson(cluster);
        Assert.Equal(expected, actual.GetProperty("parameter_sha256").GetString());
        // The tensors crossed the emulated hosts' own addresses, between every pair that exchanged any.
        var links = actual.GetProperty("links").EnumerateArray().ToArray();
        Assert.NotEmpty(links);
        var memberAddresses = hosts.Hosts.Skip(1).Select(host => host.Address).ToArray();
        Assert.All(links, link =>
        {
            Assert.Contains(memberAddresses, address => link.GetProperty("from").GetString()!.Contains(address + ":", StringComparison.Ordinal));
            Assert.Contains(memberAddresses, address => link.GetProperty("to").GetString()!.Contains(address + ":", StringComparison.Ordinal));
        });
        Assert.True(links.Sum(link => link.GetProperty("tensor_bytes_sent").GetInt64()) > 0);
    }

    [EmulatedHostsFact]
    public async Task A_seed_cut_off_from_its_members_during_the_run_says_it_was_removed_and_exits_1()
    {
        string dir = CliRunner.TempDirectory();
        // Quick detection for the test; the shipped defaults (10 s pause, 15 s stable-after) are for busy machines.
        string quick = QuickDetection.Write(dir);
        using var hosts = EmulatedHosts.Up(3, "100mbit");
        var (seedHost, seedAddress) = hosts.Hosts[0];
        using var seed = NodeProcess.StartInNamespace(seedHost, "seed",
            ["seed", "--model", "mlp", "--workers", "2", "--steps", "100000", "--data", CliRunner.BundledData, "--host", seedAddress, "--port", "0", "--config", quick,
             "--summary", Path.Combine(dir, "seed.json")]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        var members = hosts.Hosts.Skip(1)
            .Select((host, i) => NodeProcess.StartInNamespace(host.Namespace, $"member {i + 1}",
                ["member", "--seed-node", seedNode, "--host", host.Address, "--workers-per-node", "1", "--data", CliRunner.BundledData, "--backend", "cpu", "--config", quick]))
            .ToArray();
        try
        {
            await seed.WaitForOutputAsync("step 1/", Limit);
            // The seed's host loses its link: it is the minority of three, so the split-brain resolver downs it.
            EmulatedHosts.LinkDown(seedHost);
            Assert.Equal(1, await seed.ExitCodeAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"cyclic: the seed {seedNode} was removed from the cluster during the run, so no result was written", seed.StandardError);
            Assert.False(File.Exists(Path.Combine(dir, "seed.json")));
            foreach (var member in members)
            {
                Assert.NotEqual(0, await member.ExitCodeAsync(TimeSpan.FromSeconds(60)));
            }
        }
        finally
        {
            foreach (var member in members)
            {
                member.Dispose();
            }
        }
    }
}
