using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Security;

/// <summary>
/// A node's mutual TLS (--tls DIR, cyclic-actors.security.tls-directory): its certificate and key,
/// and the cluster CA pinned as the only trust. Akka.Remote gets them in code (DotNettySslSetup,
/// mutual, with <see cref="PinnedAuthority"/> as its validator: the machine's trust store plays no
/// part), and the tensor channel runs over SslStream with the same certificate and the same check.
/// </summary>
public sealed class ClusterTls
{
    public const string DirectoryKey = "cyclic-actors.security.tls-directory";

    private ClusterTls(X509Certificate2 node, PinnedAuthority trust, string directory)
    {
        (Node, Trust, Directory) = (node, trust, directory);
        Fingerprint = FingerprintOf(node);
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Node { get; }

    public PinnedAuthority Trust { get; }

    /// <summary>This node's certificate fingerprint (SHA-256 of its DER bytes, hex), which its peers hear over Akka and hold it to on the tensor channel.</summary>
    public string Fingerprint { get; }

    /// <summary>The SHA-256 of a certificate's DER bytes as upper-case hex, the way a peer is named on the tensor channel.</summary>
    public static string FingerprintOf(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.GetRawCertData()));
    }

    public string Directory { get; }

    /// <summary>The node directory a configuration names, or null for a node without TLS.</summary>
    public static string? DirectoryIn(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.HasPath(DirectoryKey) && config.GetString(DirectoryKey) is { Length: > 0 } directory ? directory : null;
    }

    /// <summary>Loads a node directory from `cyclic certs issue`; this node's own certificate must pass the check its peers will make.</summary>
    /// <exception cref="ConfigurationException">A file is missing or damaged, or the node's certificate would be refused (expired, another CA, …), named.</exception>
    public static ClusterTls Load(string directory)
    {
        X509Certificate2 node, authority;
        try
        {
            (node, authority) = ClusterTlsFiles.LoadNode(directory);
        }
        catch (InvalidDataException e)
        {
            throw new ConfigurationException($"--tls {directory}: {e.Message}");
        }

        var trust = new PinnedAuthority(authority);
        if (trust.Refusal(node) is { } refusal)
        {
            throw new ConfigurationException($"--tls {directory}: this node's own {refusal}; its peers would refuse it too (issue a new one with `cyclic certs issue`).");
        }

        return new ClusterTls(node, trust, directory);
    }

    /// <summary>The HOCON a TLS node runs with: Akka.Remote over TLS (the certificate itself comes in code).</summary>
    public static Config Hocon { get; } = ConfigurationFactory.ParseString($"{TransportSettings.SslKey} = on");

    /// <summary>An ActorSystem of <paramref name="config"/> whose remoting is mutual TLS with this node's certificate and the pinned CA.</summary>
    public ActorSystem CreateSystem(string name, Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ssl = new DotNettySslSetup(Node, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false, Validate);
        return ActorSystem.Create(name, BootstrapSetup.Create().WithConfig(config).And(ssl));
    }

    /// <summary>
    /// The client end of a tensor channel: mutual TLS over <paramref name="inner"/> (which it then owns), the peer checked
    /// against the pinned CA and, when <paramref name="expectedFingerprint"/> is given, required to be the very certificate
    /// its node announced (another node of the same CA cannot stand in for it).
    /// </summary>
    /// <exception cref="AuthenticationException">The handshake failed or the peer was refused (the reason named).</exception>
    public async Task<SslStream> ConnectAsync(Stream inner, string host, CancellationToken cancel, string? expectedFingerprint = null)
    {
        string? refusal = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
            (refusal = Trust.Refusal(certificate) ?? NotTheAnnounced(certificate!, expectedFingerprint)) is null);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = [Node],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, cancel).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new AuthenticationException($"TLS with the tensor channel at {host} failed: {refusal ?? e.Message}", e);
        }
    }

    /// <summary>The server end of a tensor channel: mutual TLS (a client certificate required), the peer checked against the pinned CA.</summary>
    /// <exception cref="AuthenticationException">The handshake failed or the peer was refused (the reason named).</exception>
    public async Task<SslStream> AcceptAsync(Stream inner, CancellationToken cancel)
    {
        string? refusal = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: true, (_, certificate, _, _) => (refusal = Trust.Refusal(certificate)) is null);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = Node,
                ClientCertificateRequired = true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, cancel).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new AuthenticationException(refusal ?? e.Message, e);
        }
    }

    private static string? NotTheAnnounced(X509Certificate certificate, string? expectedFingerprint)
    {
        if (string.IsNullOrEmpty(expectedFingerprint))
        {
            return null;
        }

        var fingerprint = FingerprintOf(certificate);
        return fingerprint == expectedFingerprint
            ? null
            : $"certificate {certificate.Subject} (SHA-256 {fingerprint}) is of this cluster's CA but not the one its node announced ({expectedFingerprint})";
    }

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, System.Net.Security.SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (Trust.Refusal(certificate) is not { } refusal)
        {
            return true;
        }

        log.Warning("Refused a TLS connection with {0}: {1}", remotePeer, refusal);
        return false;
    }
}
