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
        // At INFO the member logs the port the OS gave its tensor channels ("Tensor channels listen on HOST:PORT.").
        File.WriteAllText(memberConfig, "cyclic-actors.logging.repeat-window = 2s\nakka.loglevel = INFO\n");
        // Far more steps than the test needs: the listener must stay open; disposing ends both processes.
        using var seed = NodeProcess.Start("seed", "seed", "--model", "mlp", "--workers", "2", "--steps", "100000", "--data", CliRunner.BundledData, "--quiet", "--port", "0");
        string seedNode = await seed.WaitForAddressAsync(Limit);
        using var member = NodeProcess.Start("member", "member", "--seed-node", seedNode, "--workers-per-node", "2", "--data", CliRunner.BundledData, "--backend", "cpu",
            "--config", memberConfig);
        await member.WaitForOutputAsync(output => TensorEndpoint().IsMatch(output), Limit, "its tensor endpoint");
        int tensorPort = int.Parse(TensorEndpoint().Match(member.Output).Groups[1].Value, CultureInfo.InvariantCulture);

        // Half present a token nobody was given, half close inside the 12-byte hello.
        var firstClientPort = await SendGarbageAsync(tensorPort, Enumerable.Repeat((byte)0x42, 12).ToArray());
        // The listener serves connections concurrently: the first refusal is printed before the flood
        // starts, so that it is not one of those the cap leaves out.
        await member.WaitForOutputAsync(output => Printed(output).Length == 1, Limit, "the first refusal");
        for (var i = 1; i < Connections; i++)
        {
            await SendGarbageAsync(tensorPort, i % 2 == 0 ? Enumerable.Repeat((byte)0x42, 12).ToArray() : [1, 2, 3, 4, 5]);
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

    /// <summary>Connects to the member's listener (up since it printed its endpoint), writes <paramref name="bytes"/> and closes; returns the local port.</summary>
    private static async Task<int> SendGarbageAsync(int port, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await client.GetStream().WriteAsync(bytes);
        return ((IPEndPoint)client.Client.LocalEndPoint!).Port;
    }

    [GeneratedRegex(@"Tensor channels listen on 127\.0\.0\.1:(\d+)\.")]
    private static partial Regex TensorEndpoint();

    [GeneratedRegex(@"\(suppressed (\d+) repeats within [0-9.]+ s of: \[WARNING\][^\n]*Refused a tensor channel connection from ")]
    private static partial Regex SuppressedRefusals();
}
