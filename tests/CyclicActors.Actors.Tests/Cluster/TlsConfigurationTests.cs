using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Settings;
using CyclicActors.TestSupport;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// TLS in a node's configuration: with enable-ssl on, the node's own seed address and the seed
/// addresses it accepts use akka.ssl.tcp, and every certificate problem Akka would meet only when
/// remoting starts (or peers would meet at every handshake) fails composition with one message.
/// </summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private const string Password = "node-secret";

    private static readonly Lazy<X509Certificate2> SelfSigned = new(() => TestCertificates.Node(authority: null));

    private readonly string _directory = Directory.CreateTempSubdirectory("cyclic-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_node_with_tls_on_speaks_akka_ssl_tcp_and_one_without_akka_tcp()
    {
        // A seed joins itself at the address its transport really has (cluster.SelfAddress), so the protocol is all that must be right.
        var tls = ClusterConfiguration.Compose(new NodeLaunch { Host = "127.0.0.1", Port = 4053, ConfigFile = TlsFile(suppressValidation: true) });
        var plain = ClusterConfiguration.Compose(new NodeLaunch { Host = "127.0.0.1", Port = 4053 });

        Assert.Equal("akka.ssl.tcp", TlsSettings.From(tls, "127.0.0.1").Protocol);
        Assert.Equal("akka.tcp", TlsSettings.From(plain, "127.0.0.1").Protocol);
    }

    [Fact]
    public void A_member_with_tls_on_joins_akka_ssl_tcp_seeds_and_refuses_akka_tcp_ones_naming_both_protocols()
    {
        var file = TlsFile(suppressValidation: true);
        var config = ClusterConfiguration.Compose(new NodeLaunch { SeedNodes = ["akka.ssl.tcp://cyclic@127.0.0.1:4053"], ConfigFile = file });
        Assert.Equal(["akka.ssl.tcp://cyclic@127.0.0.1:4053"], config.GetStringList("akka.cluster.seed-nodes"));

        var error = Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { SeedNodes = ["akka.tcp://cyclic@127.0.0.1:4053"], ConfigFile = file }));
        Assert.Contains("'akka.tcp://cyclic@127.0.0.1:4053' uses akka.tcp, but this node speaks akka.ssl.tcp", error.Message);
        Assert.Contains("enable-ssl is on", error.Message);
    }

    [Fact]
    public void A_member_with_tls_off_refuses_an_akka_ssl_tcp_seed_naming_both_protocols()
    {
        var error = Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { SeedNodes = ["akka.ssl.tcp://cyclic@127.0.0.1:4053"] }));
        Assert.Contains("uses akka.ssl.tcp, but this node speaks akka.tcp", error.Message);
        Assert.Contains("enable-ssl is off", error.Message);
    }

    [Fact]
    public void Tls_on_the_channel_path_is_refused_because_tensors_would_travel_unencrypted()
    {
        var file = Write("channel.conf", TlsHocon(PfxFile(), Password, suppressValidation: true, path: "channel"));
        var error = Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { ConfigFile = file }));
        Assert.Contains("set 'cyclic-actors.transport.path = akka'", error.Message);
    }

    [Fact]
    public void Tls_without_a_certificate_path_fails_naming_the_key()
    {
        var error = Compose("akka.remote.dot-netty.tcp.enable-ssl = on\ncyclic-actors.transport.path = akka");
        Assert.Contains("'akka.remote.dot-netty.tcp.ssl.certificate.path' is not set", error.Message);
    }

    [Fact]
    public void A_certificate_file_that_does_not_exist_is_named()
    {
        var missing = Path.Combine(_directory, "absent.pfx");
        var error = Compose(TlsHocon(missing, Password, suppressValidation: true));
        Assert.Contains($"'{missing}'", error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void A_wrong_password_is_reported_with_the_file_and_the_password_key()
    {
        var error = Compose(TlsHocon(PfxFile(), "not-the-password", suppressValidation: true));
        Assert.Contains("cannot be opened as PKCS#12 (.pfx) with the password in 'akka.remote.dot-netty.tcp.ssl.certificate.password'", error.Message);
        Assert.Contains(PfxFile(), error.Message);
    }

    [Fact]
    public void A_pem_file_is_refused_with_how_to_make_a_pfx()
    {
        var pem = TestCertificates.WritePem(SelfSigned.Value, Path.Combine(_directory, "node.pem"));
        var error = Compose(TlsHocon(pem, Password, suppressValidation: true));
        Assert.Contains("is PEM; Akka.Remote reads PKCS#12 (.pfx) only", error.Message);
    }

    [Fact]
    public void A_certificate_without_its_private_key_is_refused()
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(SelfSigned.Value.RawData);
        var pfx = TestCertificates.WritePfx(publicOnly, Path.Combine(_directory, "public-only.pfx"), Password);
        var error = Compose(TlsHocon(pfx, Password, suppressValidation: true));
        Assert.Contains("has no private key", error.Message);
    }

    [Fact]
    public void With_validation_on_a_certificate_this_machine_does_not_trust_is_refused_before_any_peer_sees_it()
    {
        var error = Compose(TlsHocon(PfxFile(), Password, suppressValidation: false));
        Assert.Contains("does not validate as a server certificate on this machine", error.Message);
        Assert.Contains("'akka.remote.dot-netty.tcp.ssl.suppress-validation' is off", error.Message);
    }

    [Fact]
    public void With_host_name_validation_on_a_certificate_that_does_not_name_the_host_is_refused()
    {
        var hocon = TlsHocon(PfxFile(), Password, suppressValidation: false) + "\nakka.remote.dot-netty.tcp.ssl.validate-certificate-hostname = on";
        var error = Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { Host = "10.1.2.3", ConfigFile = Write("node.conf", hocon) }));
        Assert.Contains("does not name this node's host '10.1.2.3'", error.Message);
    }

    [Theory]
    [InlineData("akka.remote.dot-netty.tcp.enable-ssl = maybe", "'akka.remote.dot-netty.tcp.enable-ssl' must be on or off; got 'maybe'")]
    [InlineData("akka.remote.dot-netty.tcp.ssl.certificate.flags = [exportable, shiny]", "holds 'shiny'; valid flags: default-key-set")]
    [InlineData("akka.remote.dot-netty.tcp.ssl.certificate.use-thumbprint-over-file = on", "'akka.remote.dot-netty.tcp.ssl.certificate.thumbprint' is not set")]
    public void Bad_tls_keys_fail_naming_the_key(string line, string message)
    {
        var error = Compose(TlsHocon(PfxFile(), Password, suppressValidation: true) + "\n" + line);
        Assert.Contains(message, error.Message);
    }

    private ConfigurationException Compose(string hocon) =>
        Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { ConfigFile = Write("node.conf", hocon) }));

    private string TlsFile(bool suppressValidation) => Write("tls.conf", TlsHocon(PfxFile(), Password, suppressValidation));

    private string PfxFile()
    {
        var path = Path.Combine(_directory, "node.pfx");
        return File.Exists(path) ? path : TestCertificates.WritePfx(SelfSigned.Value, path, Password);
    }

    private static string TlsHocon(string pfx, string password, bool suppressValidation, string path = "akka") => $$"""
        akka.remote.dot-netty.tcp {
          enable-ssl = on
          ssl {
            suppress-validation = {{(suppressValidation ? "on" : "off")}}
            certificate { path = "{{pfx}}", password = "{{password}}" }
          }
        }
        cyclic-actors.transport.path = {{path}}
        """;

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
