using System.Security.Cryptography.X509Certificates;

namespace CyclicActors.Actors.Security;

/// <summary>
/// Accepts a peer's certificate only when it chains to this cluster's CA (pinned: the machine's trust
/// store plays no part), is valid now, and is meant for both ends of a mutual connection (serverAuth
/// and clientAuth). The same check guards Akka.Remote and the tensor channel.
/// </summary>
public sealed class PinnedAuthority(X509Certificate2 authority)
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public X509Certificate2 Authority { get; } = authority ?? throw new ArgumentNullException(nameof(authority));

    /// <summary>Null when <paramref name="peer"/> is acceptable, else why not (one line, naming the certificate).</summary>
    public string? Refusal(X509Certificate? peer)
    {
        if (peer is null)
        {
            return "the peer presented no certificate (mutual TLS needs one on both ends)";
        }

        using var certificate = new X509Certificate2(peer);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        if (!chain.Build(certificate))
        {
            var problems = chain.ChainStatus.Select(status => status.Status switch
            {
                X509ChainStatusFlags.NotTimeValid => $"it is not valid now (valid {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u})",
                X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain => $"it is not signed by this cluster's CA ({Authority.Subject})",
                _ => status.StatusInformation.Trim(),
            }).Distinct();
            return $"certificate {certificate.Subject} refused: {string.Join("; ", problems)}";
        }

        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span))
        {
            return $"certificate {certificate.Subject} refused: it chains to {root.Subject}, not to this cluster's CA";
        }

        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Select(oid => oid.Value).ToHashSet();
        return usages.Contains(ServerAuth) && usages.Contains(ClientAuth)
            ? null
            : $"certificate {certificate.Subject} refused: it lacks the serverAuth and clientAuth usages a cluster node needs (issue it with `cyclic certs issue`)";
    }
}
