using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>A node others can reach without --tls says once that its traffic is open; a loopback node does not.</summary>
public sealed class OpenNodeWarningTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_node_on_a_non_loopback_address_without_tls_warns_once_and_a_loopback_one_does_not()
    {
        using var seed = NodeProcess.Start("seed", "seed", "--model", "mlp", "--workers", "2", "--steps", "2", "--data", CliRunner.BundledData, "--quiet", "--port", "0");
        string seedNode = await seed.WaitForAddressAsync(Limit);
        using var open = NodeProcess.Start("open member", "member", "--seed-node", seedNode, "--host", "0.0.0.0", "--workers-per-node", "1", "--data", CliRunner.BundledData, "--backend", "cpu");

        await open.WaitForOutputAsync(output => output.Contains("without --tls", StringComparison.Ordinal), Limit, "the warning");

        Assert.Single(open.Output.Split('\n'), line => line.Contains("unauthenticated and unencrypted", StringComparison.Ordinal));
        Assert.DoesNotContain("without --tls", seed.Output, StringComparison.Ordinal);
    }
}
