using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CyclicActors.Actors.Security;

/// <summary>
/// Where `cyclic certs` puts things. A CA directory: <c>ca.crt</c> and <c>ca.key</c>. A node
/// directory (all `--tls DIR` needs): <c>node.crt</c>, <c>node.key</c> and the CA's <c>ca.crt</c>,
/// never the CA's key. PEM throughout; keys are PKCS#8, readable by their owner only. Nothing
/// existing is overwritten.
/// </summary>
public static class ClusterTlsFiles
{
    public const string CaCertificate = "ca.crt";
    public const string CaKey = "ca.key";
    public const string NodeCertificate = "node.crt";
    public const string NodeKey = "node.key";

    /// <exception cref="IOException">A file of a CA already exists there.</exception>
    public static void WriteAuthority(string directory, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        RefuseExisting(directory, CaCertificate, CaKey);
        Directory.CreateDirectory(directory);
        WriteKey(Path.Combine(directory, CaKey), authority);
        WriteNew(Path.Combine(directory, CaCertificate), authority.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <exception cref="IOException">A node's file already exists there.</exception>
    public static void WriteNode(string directory, X509Certificate2 node, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(authority);
        RefuseExisting(directory, NodeCertificate, NodeKey, CaCertificate);
        Directory.CreateDirectory(directory);
        WriteKey(Path.Combine(directory, NodeKey), node);
        const UnixFileMode Public = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        WriteNew(Path.Combine(directory, NodeCertificate), node.ExportCertificatePem(), Public);
        WriteNew(Path.Combine(directory, CaCertificate), authority.ExportCertificatePem(), Public);
    }

    /// <summary>The CA with its key, to sign with.</summary>
    /// <exception cref="InvalidDataException">The directory holds no CA, or a damaged one (named).</exception>
    public static X509Certificate2 LoadAuthority(string directory) =>
        Load(directory, CaCertificate, CaKey, "a cluster CA (make one with `cyclic certs init --out DIR`)");

    /// <summary>The node's certificate with its key, and the CA it trusts.</summary>
    /// <exception cref="InvalidDataException">A file is missing or damaged (named).</exception>
    public static (X509Certificate2 Node, X509Certificate2 Authority) LoadNode(string directory)
    {
        var node = Load(directory, NodeCertificate, NodeKey, "a node certificate (make one with `cyclic certs issue`)");
        var caPath = Path.Combine(directory, CaCertificate);
        if (!File.Exists(caPath))
        {
            throw new InvalidDataException($"{directory} has no {CaCertificate}: a node directory from `cyclic certs issue` holds the cluster CA's certificate beside the node's.");
        }

        try
        {
            return (node, X509Certificate2.CreateFromPem(File.ReadAllText(caPath)));
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{caPath} is not a PEM certificate: {e.Message}");
        }
    }

    private static X509Certificate2 Load(string directory, string certificate, string key, string what)
    {
        var (certificatePath, keyPath) = (Path.Combine(directory, certificate), Path.Combine(directory, key));
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            throw new InvalidDataException($"{directory} does not hold {what}: {certificate} and {key} are needed.");
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{certificatePath} with {keyPath}: not a PEM certificate and its private key ({e.Message}).");
        }
    }

    private static void RefuseExisting(string directory, params string[] files)
    {
        foreach (var file in files)
        {
            var path = Path.Combine(directory, file);
            if (File.Exists(path))
            {
                throw new IOException($"{path} already exists; nothing was written (choose another --out, or remove it on purpose).");
            }
        }
    }

    private static void WriteKey(string path, X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException($"{certificate.Subject} has no ECDSA private key.", nameof(certificate));
        WriteNew(path, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static void WriteNew(string path, string text, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
        writer.Write('\n');
    }
}
