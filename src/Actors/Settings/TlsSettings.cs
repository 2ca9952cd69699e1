using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using static CyclicActors.Actors.Settings.ConfigReader;

namespace CyclicActors.Actors.Settings;

/// <summary>
/// Akka.Remote's TLS settings (<c>akka.remote.dot-netty.tcp.enable-ssl</c> and <c>ssl { ... }</c>),
/// checked before the ActorSystem starts. Akka reads them only when remoting starts, and then a
/// missing certificate is a stack trace, and a certificate its peers will refuse is a handshake
/// failure repeated for as long as the node tries to join. Here each of those fails at start with
/// one message naming the key and the problem. A node with TLS on speaks
/// <see cref="SecureProtocol"/>: its own address and every seed address use it.
/// </summary>
public sealed record TlsSettings
{
    public const string PlainProtocol = "akka.tcp";

    public const string SecureProtocol = "akka.ssl.tcp";

    public const string SslSection = "akka.remote.dot-netty.tcp.ssl";

    public const string PathKey = SslSection + ".certificate.path";

    public const string PasswordKey = SslSection + ".certificate.password";

    public const string FlagsKey = SslSection + ".certificate.flags";

    public const string UseThumbprintKey = SslSection + ".certificate.use-thumbprint-over-file";

    public const string ThumbprintKey = SslSection + ".certificate.thumbprint";

    public const string StoreNameKey = SslSection + ".certificate.store-name";

    public const string StoreLocationKey = SslSection + ".certificate.store-location";

    public const string SuppressValidationKey = SslSection + ".suppress-validation";

    public const string MutualAuthenticationKey = SslSection + ".require-mutual-authentication";

    public const string HostnameValidationKey = SslSection + ".validate-certificate-hostname";

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    // Akka.Remote's names for X509KeyStorageFlags (its SslSettings throws ArgumentException on any other).
    private static readonly Dictionary<string, X509KeyStorageFlags> StorageFlags = new(StringComparer.Ordinal)
    {
        ["default-key-set"] = X509KeyStorageFlags.DefaultKeySet,
        ["exportable"] = X509KeyStorageFlags.Exportable,
        ["machine-key-set"] = X509KeyStorageFlags.MachineKeySet,
        ["persist-key-set"] = X509KeyStorageFlags.PersistKeySet,
        ["user-key-set"] = X509KeyStorageFlags.UserKeySet,
        ["user-protected"] = X509KeyStorageFlags.UserProtected,
    };

    private TlsSettings()
    {
    }

    /// <summary>Whether Akka.Remote runs over TLS (<see cref="TransportSettings.SslKey"/>).</summary>
    public bool Enabled { get; init; }

    /// <summary>The protocol of this node's address and of every seed address it may be given.</summary>
    public string Protocol => Enabled ? SecureProtocol : PlainProtocol;

    /// <summary>
    /// Reads the TLS keys; with TLS on, loads the certificate as Akka will and checks what its peers
    /// will check (chain, key usage, host name), unless the configuration turns those checks off.
    /// </summary>
    /// <param name="config">The node's full configuration.</param>
    /// <param name="host">The host this node listens on and peers connect to (its certificate must name it when host names are validated).</param>
    public static TlsSettings From(Config config, string host)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(host);
        if (!BooleanOr(config, TransportSettings.SslKey, fallback: false))
        {
            return new TlsSettings { Enabled = false };
        }

        // --tls DIR: the certificate comes in code and is checked when it is loaded (Security.ClusterTls).
        if (Security.ClusterTls.DirectoryIn(config) is not null)
        {
            return new TlsSettings { Enabled = true };
        }

        var suppressValidation = BooleanOr(config, SuppressValidationKey, fallback: false);
        var mutual = BooleanOr(config, MutualAuthenticationKey, fallback: true);
        var validateHostname = BooleanOr(config, HostnameValidationKey, fallback: false);
        using var certificate = BooleanOr(config, UseThumbprintKey, fallback: false) ? FromStore(config) : FromFile(config);
        if (!certificate.HasPrivateKey)
        {
            throw new ConfigurationException($"The TLS certificate {Describe(certificate)} has no private key; a node needs its own key to accept and open TLS connections ({TransportSettings.SslKey} is on).");
        }

        if (!suppressValidation)
        {
            if (validateHostname && !certificate.MatchesHostname(host))
            {
                throw new ConfigurationException(
                    $"The TLS certificate {Describe(certificate)} does not name this node's host '{host}', and '{HostnameValidationKey}' is on, so peers would refuse it; issue it for '{host}' or turn that key off.");
            }

            CheckPeersWouldAccept(certificate, mutual);
        }

        return new TlsSettings { Enabled = true };
    }

    private static X509Certificate2 FromFile(Config config)
    {
        var path = StringOr(config, PathKey, null);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException(
                $"'{TransportSettings.SslKey}' is on but '{PathKey}' is not set; give the node's certificate as a PKCS#12 (.pfx) file, with its password in '{PasswordKey}'.");
        }

        if (!File.Exists(path))
        {
            throw new ConfigurationException($"The TLS certificate file '{path}' ('{PathKey}') does not exist.");
        }

        var password = StringOr(config, PasswordKey, null);
        try
        {
            if (IsPem(path))
            {
                throw new ConfigurationException(
                    $"The TLS certificate file '{path}' ('{PathKey}') is PEM; Akka.Remote reads PKCS#12 (.pfx) only (make one with: openssl pkcs12 -export -in CERT.pem -inkey KEY.pem -out node.pfx).");
            }

            return X509CertificateLoader.LoadPkcs12FromFile(path, string.IsNullOrEmpty(password) ? null : password, ReadFlags(config));
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException(
                $"The TLS certificate file '{path}' ('{PathKey}') cannot be opened as PKCS#12 (.pfx) with the password in '{PasswordKey}': {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"The TLS certificate file '{path}' ('{PathKey}') cannot be read: {e.Message}");
        }
    }

    private static bool IsPem(string path)
    {
        var marker = "-----BEGIN "u8;
        var start = new byte[marker.Length];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && marker.SequenceEqual(start);
    }

    private static X509Certificate2 FromStore(Config config)
    {
        var thumbprint = StringOr(config, ThumbprintKey, null);
        if (string.IsNullOrWhiteSpace(thumbprint))
        {
            throw new ConfigurationException($"'{UseThumbprintKey}' is on but '{ThumbprintKey}' is not set.");
        }

        var storeName = StringOr(config, StoreNameKey, null);
        if (string.IsNullOrWhiteSpace(storeName))
        {
            throw new ConfigurationException($"'{UseThumbprintKey}' is on but '{StoreNameKey}' is not set (e.g. \"My\").");
        }

        var locationText = StringOr(config, StoreLocationKey, "current-user");
        var location = locationText switch
        {
            "current-user" => StoreLocation.CurrentUser,
            "local-machine" => StoreLocation.LocalMachine,
            _ => throw new ConfigurationException($"'{StoreLocationKey}' must be current-user or local-machine; got '{locationText}'."),
        };
        try
        {
            using var store = new X509Store(storeName, location);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false);
            return found.Count > 0
                ? found[0]
                : throw new ConfigurationException($"No certificate with thumbprint {thumbprint} ('{ThumbprintKey}') in the {locationText} store '{storeName}'.");
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"The {locationText} certificate store '{storeName}' ('{StoreNameKey}') cannot be opened: {e.Message}");
        }
    }

    private static X509KeyStorageFlags ReadFlags(Config config)
    {
        var flags = X509KeyStorageFlags.DefaultKeySet;
        if (!config.HasPath(FlagsKey))
        {
            return flags;
        }

        foreach (var name in config.GetStringList(FlagsKey))
        {
            flags |= StorageFlags.TryGetValue(name, out var flag)
                ? flag
                : throw new ConfigurationException($"'{FlagsKey}' holds '{name}'; valid flags: {string.Join(", ", StorageFlags.Keys)}.");
        }

        return flags;
    }

    /// <summary>
    /// A peer validates this node's certificate against its trusted roots and for the use it is put
    /// to (server, and client too under mutual authentication). Peers of one cluster trust the same
    /// roots, so a certificate that does not validate here would be refused there, on every try.
    /// </summary>
    private static void CheckPeersWouldAccept(X509Certificate2 certificate, bool mutual)
    {
        var uses = mutual ? new[] { (ServerAuthentication, "server"), (ClientAuthentication, "client") } : [(ServerAuthentication, "server")];
        foreach (var (oid, use) in uses)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(oid));
            if (!chain.Build(certificate))
            {
                var reasons = string.Join("; ", chain.ChainStatus.Select(status => status.StatusInformation.Trim()).Where(text => text.Length > 0).Distinct());
                throw new ConfigurationException(
                    $"The TLS certificate {Describe(certificate)} does not validate as a {use} certificate on this machine ({reasons}), so peers would refuse it and '{SuppressValidationKey}' is off; use a certificate from a CA this machine trusts, with the {use} authentication usage.");
            }
        }
    }

    private static string Describe(X509Certificate2 certificate) => $"'{certificate.Subject}' ({certificate.Thumbprint})";
}
