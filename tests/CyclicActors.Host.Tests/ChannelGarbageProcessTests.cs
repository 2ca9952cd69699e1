using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// Garbage sent to a training member's tensor-channel port: each refused connection is logged
/// as a WARNING naming the remote endpoint and the reason, and a flood of them is capped (a few
/// lines, then a count), so it cannot fill a disk; training is not disturbed.
/// </summary>
public sealed partial class ChannelGarbageProcessTests
{
    private const int Connections = 40;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Refused_tensor_channel_connections_are_logged_and_a_flood_of_them_is_capped()
    {
        string dir = CliRunner.TempDirectory();
        string memberConfig = Path.Combine(dir, "member.conf");
        File.WriteAllText(memberConfig, "cyclic-actors.logging.repeat-window = 2s\n");
        int port = NodeProcess.FreePort();
        int tensorPort = NodeProcess.FreePort();
        string seedNode = string.Create(CultureInfo.InvariantCulture, $"akka.tcp://cyclic@127.0.0.1:{port}");
        // Far more steps than the test needs: the listener must stay open; disposing ends both processes.
        using var seed = NodeProcess.Start("seed", "seed", "--model", "mlp", "--workers", "2", "--steps", "100000", "--data", CliRunner.BundledData, "--quiet",
            "--port", port.ToString(CultureInfo.InvariantCulture));
        using var member = NodeProcess.Start("member", "member", "--seed-node", seedNode, "--workers-per-node", "2", "--data", CliRunner.BundledData, "--backend", "cpu",
            "--tensor-port", tensorPort.ToString(CultureInfo.InvariantCulture), "--config", memberConfig);
        await member.WaitForOutputAsync(output => output.Contains("member: admitted with ranks", StringComparison.Ordinal), Limit);

        // Half present a token nobody was given, half close inside the 12-byte hello.
        var firstClientPort = await SendGarbageAsync(tensorPort, Enumerable.Repeat((byte)0x42, 12).ToArray(), member);
        // The listener serves connections concurrently: the first refusal is printed before the flood
        // starts, so that it is not one of those the cap leaves out.
        await member.WaitForOutputAsync(output => Printed(output).Length == 1, Limit, "the first refusal");
        for (var i = 1; i < Connections; i++)
        {
            await SendGarbageAsync(tensorPort, i % 2 == 0 ? Enumerable.Repeat((byte)0x42, 12).ToArray() : [1, 2, 3, 4, 5], member);
        }

        await member.WaitForOutputAsync(output => Printed(output).Length + Suppressed(output) == Connections, Limit);
        var printed = Printed(member.Output);
        Assert.InRange(printed.Length, 1, Connections / 2);
        Assert.Contains(printed, line => line.Contains($":{firstClientPort}: the peer presented token 4774451407313060418 for channel 1111638594", StringComparison.Ordinal));
        Assert.All(printed, line => Assert.StartsWith("[WARNING]", line));
        Assert.False(member.HasExited || seed.HasExited, $"the garbage ended the run:\n{member.Output}\n{seed.Output}");
    }

    /// <summary>The refusals printed in full (not the summaries).</summary>
    private static string[] Printed(string output) => output.Split('\n')
        .Where(line => line.Contains("Refused a tensor channel connection from ", StringComparison.Ordinal) && !line.StartsWith("(suppressed", StringComparison.Ordinal))
        .ToArray();

    /// <summary>How many refusals the summaries say were left out.</summary>
    private static int Suppressed(string output) => SuppressedRefusals().Matches(output).Sum(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));

    /// <summary>Connects (retrying until the member's listener is up), writes <paramref name="bytes"/> and closes; returns the local port.</summary>
    private static async Task<int> SendGarbageAsync(int port, byte[] bytes, NodeProcess member)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                continue;
            }
            catch (SocketException)
            {
                Assert.Fail($"the member's tensor port {port} never accepted a connection. Output:\n{member.Output}");
            }

            await client.GetStream().WriteAsync(bytes);
            return ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        }
    }

    [GeneratedRegex(@"\(suppressed (\d+) repeats within [0-9.]+ s of: \[WARNING\][^\n]*Refused a tensor channel connection from ")]
    private static partial Regex SuppressedRefusals();
}
