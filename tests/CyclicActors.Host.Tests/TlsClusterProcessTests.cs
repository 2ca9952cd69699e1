using CyclicActors.TestSupport;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A seed and two members as separate processes with Akka.Remote over TLS, as docs/cluster.md
/// configures it: enable-ssl, a PKCS#12 certificate per node signed by one CA, validation on (the
/// CA is the processes' only trusted root, through SSL_CERT_FILE), mutual authentication, and
/// tensors on the Akka path. They form the cluster at akka.ssl.tcp addresses, exchange tensors
/// over TLS and reach the parameters of one-process `train`; nothing loops or floods the output.
/// </summary>
public sealed class TlsClusterProcessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task A_tls_seed_and_two_tls_members_train_to_the_one_process_parameters()
    {
        string dir = CliRunner.TempDirectory();
        using var authority = TestCertificates.Authority();
        var trust = new Dictionary<string, string> { ["SSL_CERT_FILE"] = TestCertificates.WritePem(authority, Path.Combine(dir, "ca.pem")) };
        string NodeConfig(string name)
        {
            using var certificate = TestCertificates.Node(authority, $"CN={name}");
            string pfx = TestCertificates.WritePfx(certificate, Path.Combine(dir, $"{name}.pfx"), $"{name}-password");
            string path = Path.Combine(dir, $"{name}.conf");
            File.WriteAllText(path, $$"""
                akka.remote.dot-netty.tcp {
                  enable-ssl = on
                  ssl.certificate { path = "{{pfx}}", password = "{{name}}-password" }
                }
                cyclic-actors.transport.path = akka
                """);
            return path;
        }

        string[] training = ["--model", "mlp", "--workers", "4", "--steps", "3", "--data", CliRunner.BundledData, "--quiet"];
        string oneProcess = Path.Combine(dir, "train.json");
        string cluster = Path.Combine(dir, "seed.json");
        var (trainCode, trainOut, trainError) = CliRunner.Run(["train", .. training, "--backend", "cpu", "--summary", oneProcess]);
        Assert.True(trainCode == 0, trainOut + trainError);

        using var seed = NodeProcess.StartWithEnvironment("seed", trust, ["seed", .. training, "--port", "0", "--summary", cluster, "--config", NodeConfig("seed")]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        Assert.StartsWith("akka.ssl.tcp://cyclic@127.0.0.1:", seedNode);
        using var first = NodeProcess.StartWithEnvironment("member 1", trust, Member(seedNode, NodeConfig("member1")));
        using var second = NodeProcess.StartWithEnvironment("member 2", trust, Member(seedNode, NodeConfig("member2")));

        foreach (var node in new[] { seed, first, second })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
            Assert.True(node.Output.Length < 64 * 1024, $"{node.Name} printed {node.Output.Length} characters:\n{node.Output[..Math.Min(4096, node.Output.Length)]}");
        }

        Assert.Contains("member: trained 3 steps.", first.Output);
        var expected = CliRunner.ReadJson(oneProcess);
        var actual = CliRunner.ReadJson(cluster);
        Assert.Equal(expected.GetProperty("parameter_sha256").GetString(), actual.GetProperty("parameter_sha256").GetString());
        var links = actual.GetProperty("links").EnumerateArray().ToArray();
        Assert.Equal(2, links.Length);
        Assert.All(links, link =>
        {
            Assert.StartsWith("akka.ssl.tcp://", link.GetProperty("from").GetString());
            Assert.True(link.GetProperty("tensor_bytes_sent").GetInt64() > 0);
        });
    }

    /// <summary>
    /// The closed cluster of docs/security.md: certificates from `cyclic certs`, `--tls DIR` on every
    /// node, tensors on the dedicated channel over mutual TLS. A member whose certificate comes from
    /// another CA started first cannot get in (the seed logs why); the two members of the cluster's CA
    /// train to the one-process parameters.
    /// </summary>
    [Fact]
    public async Task A_cluster_closed_with_cyclic_certs_keeps_a_foreign_member_out_and_trains_to_the_one_process_parameters()
    {
        string dir = CliRunner.TempDirectory();
        var certificates = new ClusterCertificatesOnDisk(dir);
        certificates.Authority("other-ca", "not our CA");
        string Node(string name, string ca = "ca") => certificates.Node(name, ca);
        string[] training = ["--model", "mlp", "--workers", "4", "--steps", "3", "--data", CliRunner.BundledData, "--quiet"];
        string oneProcess = Path.Combine(dir, "train.json");
        string cluster = Path.Combine(dir, "seed.json");
        Assert.Equal(0, CliRunner.Run(["train", .. training, "--backend", "cpu", "--summary", oneProcess]).ExitCode);

        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--port", "0", "--summary", cluster, "--tls", Node("seed")]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        Assert.StartsWith("akka.ssl.tcp://cyclic@127.0.0.1:", seedNode);
        using var stranger = NodeProcess.Start("stranger", [.. ClusterCertificatesOnDisk.Member(seedNode, Node("stranger", "other-ca"))]);
        await seed.WaitForOutputAsync(output => output.Contains("Refused a TLS connection", StringComparison.Ordinal), Limit, "the seed refusing the stranger");
        using var first = NodeProcess.Start("member 1", [.. ClusterCertificatesOnDisk.Member(seedNode, Node("member1"))]);
        using var second = NodeProcess.Start("member 2", [.. ClusterCertificatesOnDisk.Member(seedNode, Node("member2"))]);

        foreach (var node in new[] { seed, first, second })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        Assert.Contains("not signed by this cluster's CA", seed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("admitted", stranger.Output, StringComparison.Ordinal);
        var actual = CliRunner.ReadJson(cluster);
        Assert.Equal(CliRunner.ReadJson(oneProcess).GetProperty("parameter_sha256").GetString(), actual.GetProperty("parameter_sha256").GetString());
        Assert.All(actual.GetProperty("links").EnumerateArray(), link => Assert.True(link.GetProperty("tensor_bytes_sent").GetInt64() > 0));
    }

    private static string[] Member(string seedNode, string config) =>
        ["member", "--seed-node", seedNode, "--workers-per-node", "2", "--data", CliRunner.BundledData, "--backend", "cpu", "--config", config];
}
