using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CyclicActors.Actors.Security;

namespace CyclicActors.Actors.Tests.Security;

/// <summary>The cluster CA, node certificates and the pinned check both TLS paths use.</summary>
public sealed class ClusterCertificatesTests
{
    private static readonly X509Certificate2 Authority = ClusterCertificates.CreateAuthority("test CA", TimeSpan.FromDays(30));

    [Fact]
    public void A_node_certificate_from_the_cluster_ca_is_accepted()
    {
        using var node = ClusterCertificates.Issue(Authority, "node-1", ["127.0.0.1", "node-1.example"], TimeSpan.FromDays(10));

        Assert.Null(new PinnedAuthority(Authority).Refusal(node));
        Assert.True(node.HasPrivateKey);
        var names = node.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains(System.Net.IPAddress.Loopback, names.EnumerateIPAddresses());
        Assert.Contains("node-1.example", names.EnumerateDnsNames());
    }

    [Fact]
    public void A_certificate_from_another_ca_a_self_signed_one_and_none_are_refused_saying_why()
    {
        var other = ClusterCertificates.CreateAuthority("other CA", TimeSpan.FromDays(30));
        using var foreign = ClusterCertificates.Issue(other, "intruder", ["127.0.0.1"], TimeSpan.FromDays(10));
        var pinned = new PinnedAuthority(Authority);

        Assert.Contains("not signed by this cluster's CA", pinned.Refusal(foreign), StringComparison.Ordinal);
        Assert.NotNull(pinned.Refusal(other));
        Assert.Contains("no certificate", pinned.Refusal(null), StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_certificate_is_refused_naming_its_validity()
    {
        using var expired = ClusterCertificates.Issue(Authority, "old", [], TimeSpan.FromHours(1), notBefore: DateTimeOffset.UtcNow.AddDays(-2));

        var refusal = new PinnedAuthority(Authority).Refusal(expired);

        Assert.Contains("not valid now", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_of_the_ca_without_the_node_usages_is_refused()
    {
        using var caKey = Authority.GetECDsaPrivateKey()!;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=server-only", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var serverOnly = request.Create(Authority.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3]);

        Assert.Contains("serverAuth and clientAuth", new PinnedAuthority(Authority).Refusal(serverOnly), StringComparison.Ordinal);
    }

    [Fact]
    public void Files_round_trip_keys_are_owner_only_nothing_is_overwritten_and_a_bad_host_is_named()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"cyclic-certs-{Guid.NewGuid():N}");
        try
        {
            ClusterTlsFiles.WriteAuthority(Path.Combine(directory, "ca"), Authority);
            var authority = ClusterTlsFiles.LoadAuthority(Path.Combine(directory, "ca"));
            using var node = ClusterCertificates.Issue(authority, "n", ["10.0.0.2"], TimeSpan.FromDays(1));
            ClusterTlsFiles.WriteNode(Path.Combine(directory, "n"), node, authority);

            var (loaded, trusted) = ClusterTlsFiles.LoadNode(Path.Combine(directory, "n"));
            Assert.True(loaded.HasPrivateKey);
            Assert.Equal(Authority.Thumbprint, trusted.Thumbprint);
            Assert.Null(new PinnedAuthority(trusted).Refusal(loaded));
            Assert.False(File.Exists(Path.Combine(directory, "n", ClusterTlsFiles.CaKey)));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "n", ClusterTlsFiles.NodeKey)));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "ca", ClusterTlsFiles.CaKey)));
            }

            var before = File.ReadAllText(Path.Combine(directory, "ca", ClusterTlsFiles.CaKey));
            Assert.Throws<IOException>(() => ClusterTlsFiles.WriteAuthority(Path.Combine(directory, "ca"), ClusterCertificates.CreateAuthority("again", TimeSpan.FromDays(1))));
            Assert.Equal(before, File.ReadAllText(Path.Combine(directory, "ca", ClusterTlsFiles.CaKey)));
            Assert.Throws<InvalidDataException>(() => ClusterTlsFiles.LoadNode(Path.Combine(directory, "ca")));
            Assert.Contains("'not a host'", Assert.Throws<FormatException>(() => ClusterCertificates.Issue(authority, "m", ["not a host"], TimeSpan.FromDays(1))).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
