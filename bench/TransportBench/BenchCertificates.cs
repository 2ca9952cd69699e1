using CyclicActors.Actors.Security;

namespace CyclicActors.Bench.Transport;

/// <summary>
/// The TLS rows' certificates, made as `cyclic certs init` and `issue` make them (one cluster CA,
/// a node directory each for the driver and the receiver) in a temporary folder removed afterwards.
/// </summary>
internal sealed class BenchCertificates : IDisposable
{
    private BenchCertificates(string root)
    {
        Root = root;
        using var authority = ClusterCertificates.CreateAuthority("transport bench CA", TimeSpan.FromDays(1));
        foreach (var name in new[] { "driver", "receiver" })
        {
            using var node = ClusterCertificates.Issue(authority, name, ["127.0.0.1"], TimeSpan.FromDays(1));
            ClusterTlsFiles.WriteNode(Path.Combine(root, name), node, authority);
        }

        Driver = ClusterTls.Load(DriverDirectory);
    }

    public string Root { get; }

    public string DriverDirectory => Path.Combine(Root, "driver");

    public string ReceiverDirectory => Path.Combine(Root, "receiver");

    public ClusterTls Driver { get; }

    public static BenchCertificates Create() => new(Directory.CreateTempSubdirectory("transport-bench-certs-").FullName);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
