using CyclicActors.Actors.Security;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// `cyclic certs init` makes a cluster CA; `cyclic certs issue` makes a node certificate signed by
/// it, in a directory that is all `--tls DIR` needs. See docs/security.md.
/// </summary>
internal static class CertsCommand
{
    public const string Summary = "make a cluster CA (certs init) and node certificates signed by it (certs issue) for --tls";

    public static readonly IReadOnlyList<OptionSpec> InitSpecs =
    [
        new("out", "DIR", "where ca.crt and ca.key go (the key readable by you only; keep it off the nodes)"),
        new("name", "NAME", "the CA's common name", "cyclic cluster CA"),
        new("days", "N", "how long the CA is valid", "3650"),
        new("help", null, "show this help"),
    ];

    public static readonly IReadOnlyList<OptionSpec> IssueSpecs =
    [
        new("ca", "DIR", "the CA directory from `cyclic certs init`"),
        new("name", "NAME", "the node's name (its common name, and a DNS subject alternative name)"),
        new("host", "H", "a DNS name or IP address the node is reached at (repeat for each)", Repeatable: true),
        new("out", "DIR", "where node.crt, node.key and the CA's ca.crt go: give this directory to the node's --tls"),
        new("days", "N", "how long the certificate is valid (at most as long as the CA)", "825"),
        new("help", null, "show this help"),
    ];

    public static int Init(ParsedOptions parsed)
    {
        var output = Require(parsed, "out");
        var authority = ClusterCertificates.CreateAuthority(parsed.String("name", "cyclic cluster CA"), TimeSpan.FromDays(parsed.Int("days", 3650, 1, 36500)));
        Write(() => ClusterTlsFiles.WriteAuthority(output, authority));
        Console.WriteLine($"cluster CA {authority.Subject} (valid until {authority.NotAfter.ToUniversalTime():u}) written to {output}: " +
            $"{ClusterTlsFiles.CaCertificate} and {ClusterTlsFiles.CaKey} (owner-only); issue node certificates with `cyclic certs issue --ca {output} --name NAME --host HOST --out DIR`");
        return 0;
    }

    public static int Issue(ParsedOptions parsed)
    {
        var (caDirectory, name, output) = (Require(parsed, "ca"), Require(parsed, "name"), Require(parsed, "out"));
        System.Security.Cryptography.X509Certificates.X509Certificate2 authority;
        try
        {
            authority = ClusterTlsFiles.LoadAuthority(caDirectory);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--ca {caDirectory}: {e.Message}");
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2 node;
        try
        {
            node = ClusterCertificates.Issue(authority, name, parsed.All("host"), TimeSpan.FromDays(parsed.Int("days", 825, 1, 36500)));
        }
        catch (FormatException e)
        {
            throw new UsageException($"--host: {e.Message}");
        }

        Write(() => ClusterTlsFiles.WriteNode(output, node, authority));
        var hosts = parsed.All("host");
        Console.WriteLine($"node certificate {node.Subject} for {(hosts.Count == 0 ? "no host (add --host for the addresses it listens on)" : string.Join(", ", hosts))}, " +
            $"valid until {node.NotAfter.ToUniversalTime():u}, written to {output}: start the node with --tls {output}");
        return 0;
    }

    private static string Require(ParsedOptions parsed, string flag) =>
        parsed.String(flag) ?? throw new UsageException($"--{flag} is required");

    private static void Write(Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }
    }
}
