using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A closed cluster under noise: while a seed and two members train with --tls, random bytes, an
/// HTTP request and a plaintext channel hello keep arriving at the seed's Akka port and at a member's
/// tensor port. Each is refused (the nodes log why), no node stops, and the result is bitwise the
/// one-process `train`.
/// </summary>
public sealed partial class TlsGarbageProcessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task Random_bytes_and_http_to_the_akka_and_tensor_ports_during_tls_training_change_nothing()
    {
        string dir = CliRunner.TempDirectory();
        var certificates = new ClusterCertificatesOnDisk(dir);
        string Node(string name) => certificates.Node(name);
        // At INFO a member logs the port the OS gave its tensor channels, and each refusal.
        string verbose = Path.Combine(dir, "verbose.conf");
        File.WriteAllText(verbose, "akka.loglevel = INFO\ncyclic-actors.logging.repeat-window = 1s\n");
        string[] training = ["--model", "mlp", "--workers", "4", "--steps", "40", "--data", CliRunner.BundledData, "--quiet"];
        string oneProcess = Path.Combine(dir, "train.json");
        string cluster = Path.Combine(dir, "seed.json");
        Assert.Equal(0, CliRunner.Run(["train", .. training, "--backend", "cpu", "--summary", oneProcess]).ExitCode);

        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--port", "0", "--summary", cluster, "--tls", Node("seed")]);
        string seedNode = await seed.WaitForAddressAsync(Limit);
        int akkaPort = NodeProcess.PortOf(seedNode);
        using var first = NodeProcess.Start("member 1", [.. ClusterCertificatesOnDisk.Member(seedNode, Node("member1")), "--config", verbose]);
        using var second = NodeProcess.Start("member 2", [.. ClusterCertificatesOnDisk.Member(seedNode, Node("member2"))]);
        await first.WaitForOutputAsync(output => TensorEndpoint().IsMatch(output), Limit, "its tensor endpoint");
        int tensorPort = int.Parse(TensorEndpoint().Match(first.Output).Groups[1].Value, CultureInfo.InvariantCulture);

        // Noise until the run ends: each kind at each port, over and over, while tensors flow.
        var sent = 0;
        while (!seed.HasExited && sent < 400)
        {
            foreach (var port in new[] { akkaPort, tensorPort })
            {
                foreach (var bytes in Garbage())
                {
                    await SendAsync(port, bytes);
                    sent++;
                }
            }

            await Task.Delay(20);
        }

        foreach (var node in new[] { seed, first, second })
        {
            Assert.True(await node.ExitCodeAsync(Limit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        Assert.True(sent >= 6, $"only {sent} garbage connections were made before the run ended");
        Assert.Contains("Refused a tensor channel connection from ", first.Output, StringComparison.Ordinal);
        Assert.Contains("TLS handshake refused", first.Output, StringComparison.Ordinal);
        Assert.Contains("member: trained 40 steps.", first.Output, StringComparison.Ordinal);
        // Akka.Remote's own refusal, which the log's repeat cap keeps from flooding the seed's output.
        Assert.Contains("TLS handshake failed", seed.Output, StringComparison.Ordinal);
        Assert.True(seed.Output.Length < 256 * 1024, $"the seed printed {seed.Output.Length} characters for {sent} garbage connections");
        Assert.Equal(CliRunner.ReadJson(oneProcess).GetProperty("parameter_sha256").GetString(), CliRunner.ReadJson(cluster).GetProperty("parameter_sha256").GetString());
    }

    private static IEnumerable<byte[]> Garbage()
    {
        yield return Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 2048);
        yield return "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"u8.ToArray();
        // A plaintext channel hello: a token and channel 0, as a node without --tls would send.
        yield return [.. BitConverter.GetBytes(42L), .. BitConverter.GetBytes(0)];
    }

    /// <summary>Connects, writes and closes; a port that closes on us first is fine (that is a refusal too).</summary>
    private static async Task SendAsync(int port, byte[] bytes)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            await client.GetStream().WriteAsync(bytes);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // The node closed the connection (or the run ended and the port with it).
        }
    }

    [GeneratedRegex(@"Tensor channels listen on 127\.0\.0\.1:(\d+)\.")]
    private static partial Regex TensorEndpoint();
}
