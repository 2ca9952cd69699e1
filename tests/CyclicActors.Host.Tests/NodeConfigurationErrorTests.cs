using CyclicActors.TestSupport;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A node whose configuration files, TLS settings or --host cannot work fails at start with one
/// line naming the problem and exit code 2, before any ActorSystem starts (so these run in-process).
/// Files named in the arguments as FILE are written with the row's content.
/// </summary>
public sealed class NodeConfigurationErrorTests
{
    private const string Seed = "akka.tcp://cyclic@127.0.0.1:4053";

    private const string TlsSeed = "akka.ssl.tcp://cyclic@127.0.0.1:4053";

    private const string TlsWithoutCertificate = "akka.remote.dot-netty.tcp.enable-ssl = on\ncyclic-actors.transport.path = akka\n";

    private static readonly string[] SeedFlags = ["seed", "--model", "mlp", "--workers", "2", "--steps", "1", "--data", ""];

    [Theory]
    [InlineData("include \"nope.conf\"\n", "node.conf' includes '", "nope.conf', which does not exist.")]
    [InlineData("akka {\n  loglevel = INFO\n", "node.conf' is not valid HOCON: line 1: '{' is never closed.")]
    [InlineData("akka.loglevel = INFO\n}} garbage here\n", "node.conf' is not valid HOCON: line 2: '}' has no matching '{'.")]
    [InlineData("{ akka.loglevel = INFO }\ngarbage\n", "node.conf' is not valid HOCON: line 2: text after the '}' that closes the file's root object on line 1.")]
    [InlineData("akka.loglevel = INFO\ngarbage\n", "node.conf' is not valid HOCON: key 'garbage' has no value.")]
    [InlineData(TlsWithoutCertificate, "'akka.remote.dot-netty.tcp.enable-ssl' is on but 'akka.remote.dot-netty.tcp.ssl.certificate.path' is not set")]
    public void A_bad_config_file_fails_the_seed_and_the_member_with_one_line(string content, params string[] expected)
    {
        string file = Write("node.conf", content);
        foreach (var args in new[] { Member("--config", file), [.. SeedFlags[..^1], CliRunner.BundledData, "--config", file] })
        {
            AssertOneLineUsageError(args, expected);
        }
    }

    [Theory]
    [InlineData("999.1.1.1", "--host 999.1.1.1 is not a valid IPv4 address (four numbers 0..255)")]
    [InlineData("127.1", "--host 127.1 is not a valid IPv4 address (four numbers 0..255)")]
    [InlineData("no such host", "--host 'no such host' is not an IP address or host name")]
    [InlineData("192.0.2.1", "--host 192.0.2.1: cannot listen on 192.0.2.1:")]
    public void A_host_this_machine_cannot_listen_on_fails_the_seed_and_the_member_with_one_line(string host, string expected)
    {
        AssertOneLineUsageError(Member("--host", host), expected);
        AssertOneLineUsageError([.. SeedFlags[..^1], CliRunner.BundledData, "--host", host], expected);
    }

    [Fact]
    public void A_tls_member_refuses_an_akka_tcp_seed_and_a_plain_member_an_akka_ssl_tcp_seed()
    {
        var (tls, _) = TlsConfig(pfxPassword: "pw", configuredPassword: "pw");

        AssertOneLineUsageError(["member", "--seed-node", Seed, "--config", tls], $"Seed node '{Seed}' uses akka.tcp, but this node speaks akka.ssl.tcp");
        AssertOneLineUsageError(["member", "--seed-node", TlsSeed], $"Seed node '{TlsSeed}' uses akka.ssl.tcp, but this node speaks akka.tcp");
    }

    [Fact]
    public void A_wrong_certificate_password_is_one_line_naming_the_file()
    {
        var (tls, pfx) = TlsConfig(pfxPassword: "right", configuredPassword: "wrong");

        AssertOneLineUsageError(["member", "--seed-node", TlsSeed, "--config", tls], $"The TLS certificate file '{pfx}'", "cannot be opened as PKCS#12 (.pfx) with the password");
    }

    /// <summary>A --config file turning TLS on with a self-signed certificate saved under <paramref name="pfxPassword"/>; returns it and the certificate's path.</summary>
    private (string Config, string Pfx) TlsConfig(string pfxPassword, string configuredPassword)
    {
        using var certificate = TestCertificates.Node(authority: null);
        string pfx = TestCertificates.WritePfx(certificate, Path.Combine(CliRunner.TempDirectory(), "node.pfx"), pfxPassword);
        string config = Write("tls.conf", $$"""
            akka.remote.dot-netty.tcp { enable-ssl = on, ssl { suppress-validation = on, certificate { path = "{{pfx}}", password = "{{configuredPassword}}" } } }
            cyclic-actors.transport.path = akka
            """);
        return (config, pfx);
    }

    private static string[] Member(params string[] flags) => ["member", "--seed-node", Seed, "--data", CliRunner.BundledData, .. flags];

    private static void AssertOneLineUsageError(string[] args, params string[] expected)
    {
        var (code, output, error) = CliRunner.Run(args);
        Assert.True(code == 2, $"exit {code} for {string.Join(' ', args)}\n{output}\n{error}");
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error + output);
        Assert.All(expected, text => Assert.Contains(text, error));
    }

    private static string Write(string name, string content)
    {
        string path = Path.Combine(CliRunner.TempDirectory(), name);
        File.WriteAllText(path, content);
        return path;
    }
}
