using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CyclicActors.Actors.Security;

/// <summary>
/// A cluster's own certificate authority and the node certificates it signs (ECDSA P-256), made with
/// .NET's System.Security.Cryptography: no openssl. The CA is the only trust a node has: peers are
/// validated against it, pinned, never against the machine's trust store (<see cref="PinnedAuthority"/>).
/// </summary>
public static class ClusterCertificates
{
    /// <summary>serverAuth and clientAuth: a node is both, every connection is mutual.</summary>
    private static readonly OidCollection NodeUsages = [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")];

    /// <summary>A self-signed CA certificate with its private key, valid from an hour ago (clock skew) for <paramref name="validity"/>.</summary>
    public static X509Certificate2 CreateAuthority(string name, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddHours(-1), now + validity);
    }

    /// <summary>
    /// A node certificate signed by <paramref name="authority"/> (which must hold its private key),
    /// for <paramref name="hosts"/> (DNS names and IP addresses, as subject alternative names), with
    /// its private key. <paramref name="notBefore"/> defaults to an hour ago.
    /// </summary>
    /// <exception cref="FormatException">A host that is neither an IP address nor a DNS name.</exception>
    /// <exception cref="ArgumentException">A CA without its key.</exception>
    public static X509Certificate2 Issue(X509Certificate2 authority, string nodeName, IReadOnlyList<string> hosts, TimeSpan validity, DateTimeOffset? notBefore = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        ArgumentNullException.ThrowIfNull(hosts);
        using var caKey = authority.GetECDsaPrivateKey() ?? throw new ArgumentException($"The CA certificate {authority.Subject} has no ECDSA private key to sign with.", nameof(authority));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(nodeName)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(NodeUsages, critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(nodeName);
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var address))
            {
                names.AddIpAddress(address);
            }
            else if (Uri.CheckHostName(host) == UriHostNameType.Dns)
            {
                names.AddDnsName(host);
            }
            else
            {
                throw new FormatException($"'{host}' is neither an IP address nor a DNS host name.");
            }
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var start = notBefore ?? DateTimeOffset.UtcNow.AddHours(-1);
        var end = start + validity;
        if (end > authority.NotAfter)
        {
            end = authority.NotAfter; // a node certificate cannot outlive its CA
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(authority.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), start, end, serial);
        return signed.CopyWithPrivateKey(key);
    }

    private static string Escape(string name) => name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal)
        .Replace("+", "\\+", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
