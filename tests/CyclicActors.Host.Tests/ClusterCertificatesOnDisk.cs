using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// The certificates of docs/security.md, made with the `cyclic certs` command itself in a test's
/// directory: a cluster CA (`ca/`), any other CA, and node directories for `--tls`.
/// </summary>
internal sealed class ClusterCertificatesOnDisk
{
    private readonly string _directory;

    public ClusterCertificatesOnDisk(string directory)
    {
        _directory = directory;
        Authority("ca");
    }

    /// <summary>`cyclic certs init` into <paramref name="name"/>, with an optional CA name.</summary>
    public string Authority(string name, string? caName = null) =>
        Certs(["init", .. caName is null ? Array.Empty<string>() : ["--name", caName], "--out", Path.Combine(_directory, name)]);

    /// <summary>`cyclic certs issue` of node <paramref name="name"/> for 127.0.0.1, signed by the CA in <paramref name="ca"/>: its `--tls` directory.</summary>
    public string Node(string name, string ca = "ca") =>
        Certs(["issue", "--ca", Path.Combine(_directory, ca), "--name", name, "--host", "127.0.0.1", "--out", Path.Combine(_directory, name)]);

    /// <summary>The arguments of a `--tls` member with two CPU workers on the bundled data.</summary>
    public static string[] Member(string seedNode, string tls) =>
        ["member", "--seed-node", seedNode, "--workers-per-node", "2", "--data", CliRunner.BundledData, "--backend", "cpu", "--tls", tls];

    private static string Certs(string[] args)
    {
        var (code, output, error) = CliRunner.Run(["certs", .. args]);
        Assert.True(code == 0, output + error);
        return args[^1];
    }
}
