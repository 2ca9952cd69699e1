using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using CyclicActors.TestSupport;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// The life of cluster processes on 127.0.0.1: stopping a seed or a member with a signal, a port in
/// use, a second seed, --port 0, an unreachable seed, bad --data on a member, and what a healthy run
/// and garbage on a port print. Every node is killed at the end if it is still running.
/// </summary>
public sealed partial class ClusterLifecycleTests : IDisposable
{
    private const int Sigint = 2;
    private const int Sigterm = 15;

    /// <summary>How long a node may take to start (load data, JIT, join) on a loaded 2-core machine.</summary>
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private readonly string _directory = CliRunner.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(Sigint, 130, "SIGINT")]
    [InlineData(Sigterm, 143, "SIGTERM")]
    public async Task A_seed_waiting_for_members_ends_at_once_on_a_signal_and_writes_nothing(int signal, int exitCode, string name)
    {
        string summary = Path.Combine(_directory, "run.json");
        using var seed = NodeProcess.StartInterruptible("seed", "seed", "--model", "mlp", "--data", CliRunner.BundledData, "--port", "0", "--summary", summary);
        await seed.WaitForAddressAsync(StartLimit);

        seed.Signal(signal);

        Assert.Equal(exitCode, await seed.ExitCodeAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal($"cyclic: stopped by {name}; the members were told, and no result was written", seed.StandardError.Trim());
        Assert.False(File.Exists(summary));
    }

    [Fact]
    public async Task Ctrl_C_of_the_seed_mid_run_ends_the_seed_and_both_members_within_5_s_each_naming_the_reason()
    {
        string summary = Path.Combine(_directory, "run.json");
        using var seed = NodeProcess.StartInterruptible("seed", "seed", "--model", "mlp", "--steps", "100000", "--data", CliRunner.BundledData, "--port", "0", "--summary", summary);
        string seedNode = await seed.WaitForAddressAsync(StartLimit);
        using var first = NodeProcess.Start("member 1", Member(seedNode));
        using var second = NodeProcess.Start("member 2", Member(seedNode));
        await seed.WaitForOutputAsync("step 1/", StartLimit);

        seed.Signal(Sigint);

        var limit = TimeSpan.FromSeconds(5);
        var codes = await Task.WhenAll(seed.ExitCodeAsync(limit), first.ExitCodeAsync(limit), second.ExitCodeAsync(limit));
        Assert.Equal([130, 1, 1], codes);
        Assert.Equal("cyclic: stopped by SIGINT; the members were told, and no result was written", seed.StandardError.Trim());
        foreach (var member in new[] { first, second })
        {
            Assert.Equal($"cyclic: the seed {seedNode} was stopped by SIGINT.", member.StandardError.Trim());
        }

        Assert.False(File.Exists(summary));
    }

    [Fact]
    public async Task A_seed_killed_mid_run_ends_every_member_naming_the_lost_coordinator_and_nobody_hangs()
    {
        string quick = QuickDetection.Write(_directory);
        using var seed = NodeProcess.Start("seed", "seed", "--model", "mlp", "--steps", "100000", "--data", CliRunner.BundledData, "--port", "0", "--profile", quick);
        string seedNode = await seed.WaitForAddressAsync(StartLimit);
        using var first = NodeProcess.Start("member 1", [.. Member(seedNode), "--profile", quick]);
        using var second = NodeProcess.Start("member 2", [.. Member(seedNode), "--profile", quick]);
        await seed.WaitForOutputAsync("step 1/", StartLimit);

        seed.Signal(9);

        // The members decide the seed is gone (failure detector, then the split-brain resolver: about 10 s
        // with QuickDetection, 25 s with the shipped settings; the limit holds either).
        var limit = TimeSpan.FromSeconds(60);
        var codes = await Task.WhenAll(first.ExitCodeAsync(limit), second.ExitCodeAsync(limit));
        Assert.Equal([1, 1], codes);
        foreach (var member in new[] { first, second })
        {
            Assert.Contains($"the coordinator's node {seedNode} left the cluster.", member.StandardError);
        }
    }

    [Fact]
    public async Task A_member_stopped_by_SIGTERM_says_it_was_stopped_and_the_seed_names_it()
    {
        using var seed = NodeProcess.Start("seed", "seed", "--model", "mlp", "--steps", "100000", "--data", CliRunner.BundledData, "--port", "0");
        string seedNode = await seed.WaitForAddressAsync(StartLimit);
        using var stopped = NodeProcess.Start("member 1", Member(seedNode));
        using var other = NodeProcess.Start("member 2", Member(seedNode));
        await seed.WaitForOutputAsync("step 1/", StartLimit);
        var address = AddressIn(stopped.Output, "member ");

        stopped.Signal(Sigterm);

        var limit = TimeSpan.FromSeconds(30);
        var codes = await Task.WhenAll(stopped.ExitCodeAsync(limit), seed.ExitCodeAsync(limit), other.ExitCodeAsync(limit));
        Assert.Equal([143, 1, 1], codes);
        Assert.Equal("cyclic: stopped by SIGTERM", stopped.StandardError.Trim());
        Assert.Equal($"cyclic: member {address} failed: stopped by SIGTERM", seed.StandardError.Trim());
        Assert.Contains($"member {address} failed: stopped by SIGTERM", other.StandardError);
    }

    [Fact]
    public async Task A_node_on_a_port_in_use_fails_at_start_naming_the_port_and_the_first_one_keeps_running()
    {
        // The first seed binds a port the OS gives it and holds it for the whole test.
        using var first = NodeProcess.Start("first seed", "seed", "--model", "mlp", "--data", CliRunner.BundledData, "--port", "0");
        int port = NodeProcess.PortOf(await first.WaitForAddressAsync(StartLimit));

        using var second = NodeProcess.Start("second seed", "seed", "--model", "mlp", "--workers", "2", "--data", CliRunner.BundledData, "--port", Port(port));
        using var member = NodeProcess.Start("member", "member", "--seed-node", SeedNode(1), "--port", Port(port), "--data", CliRunner.BundledData, "--backend", "cpu");

        foreach (var refused in new[] { second, member })
        {
            Assert.Equal(1, await refused.ExitCodeAsync(StartLimit));
            Assert.Equal($"cyclic: port {port} on 127.0.0.1 is in use by another process (another seed or member?); stop it or choose another --port", refused.StandardError.Trim());
        }

        Assert.False(first.HasExited, first.Output);
        first.Signal(Sigterm);
        Assert.Equal(143, await first.ExitCodeAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Two_seeds_started_together_on_one_port_leave_exactly_one_listening()
    {
        // The one port chosen before either seed binds is the point here, so it cannot be --port 0.
        int port = PortFreeAMomentAgo();
        using var one = NodeProcess.Start("seed 1", "seed", "--model", "mlp", "--data", CliRunner.BundledData, "--port", Port(port));
        using var two = NodeProcess.Start("seed 2", "seed", "--model", "mlp", "--workers", "2", "--data", CliRunner.BundledData, "--port", Port(port));

        var deadline = DateTime.UtcNow + StartLimit;
        while (!one.HasExited && !two.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var (refused, running) = one.HasExited ? (one, two) : (two, one);
        Assert.Equal(1, await refused.ExitCodeAsync(TimeSpan.FromSeconds(1)));
        Assert.Contains($"cyclic: port {port} on 127.0.0.1 is in use by another process", refused.StandardError);
        await running.WaitForOutputAsync("waiting for members", StartLimit);
        running.Signal(Sigterm);
        Assert.Equal(143, await running.ExitCodeAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_second_seed_joining_a_cluster_is_refused_and_the_first_run_gives_the_one_process_result()
    {
        string[] training = ["--model", "mlp", "--workers", "2", "--steps", "3", "--data", CliRunner.BundledData, "--quiet"];
        string oneProcess = Path.Combine(_directory, "train.json");
        string cluster = Path.Combine(_directory, "seed.json");
        var (trainCode, trainOut, trainError) = CliRunner.Run(["train", .. training, "--backend", "cpu", "--summary", oneProcess]);
        Assert.True(trainCode == 0, trainOut + trainError);
        using var seed = NodeProcess.Start("seed", ["seed", .. training, "--port", "0", "--summary", cluster]);
        string seedNode = await seed.WaitForAddressAsync(StartLimit);

        using var secondSeed = NodeProcess.Start("second seed", ["seed", .. training, "--port", "0", "--seed-node", seedNode]);
        Assert.Equal(1, await secondSeed.ExitCodeAsync(StartLimit));
        Assert.Equal($"cyclic: refused: the cluster this seed joined already has a coordinator, on {seedNode}; a cluster has one seed " +
            $"(to add this machine, start `cyclic member --seed-node {seedNode}`).", secondSeed.StandardError.Trim());

        using var member = NodeProcess.Start("member", Member(seedNode));
        Assert.True(await member.ExitCodeAsync(StartLimit) == 0, member.Output);
        Assert.True(await seed.ExitCodeAsync(StartLimit) == 0, seed.Output);
        Assert.Equal(CliRunner.ReadJson(oneProcess).GetProperty("parameter_sha256").GetString(), CliRunner.ReadJson(cluster).GetProperty("parameter_sha256").GetString());
    }

    [Fact]
    public async Task A_seed_on_port_0_listens_on_a_free_port_and_prints_the_address_members_join()
    {
        using var seed = NodeProcess.Start("seed", "seed", "--model", "mlp", "--workers", "2", "--steps", "2", "--data", CliRunner.BundledData, "--quiet", "--port", "0");
        var address = await seed.WaitForAddressAsync(StartLimit);
        Assert.DoesNotMatch(":0$", address);
        Assert.Contains("waiting for members", seed.Output);

        using var member = NodeProcess.Start("member", "member", "--seed-node", address, "--data", CliRunner.BundledData, "--backend", "cpu");

        Assert.True(await member.ExitCodeAsync(StartLimit) == 0, member.Output);
        Assert.True(await seed.ExitCodeAsync(StartLimit) == 0, seed.Output);
        Assert.Contains("member: trained 2 steps.", member.Output);
    }

    [Fact]
    public async Task A_member_whose_seed_does_not_exist_says_the_seed_is_unreachable_naming_it()
    {
        // cluster.conf gives up after 15 s; a shorter limit keeps the test short.
        string config = Path.Combine(_directory, "short-join.conf");
        File.WriteAllText(config, "akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = 2s\n");
        using var nobody = new ClosedPort();
        using var member = NodeProcess.Start("member", "member", "--seed-node", SeedNode(nobody.Port), "--data", CliRunner.BundledData, "--backend", "cpu", "--config", config);

        Assert.Equal(1, await member.ExitCodeAsync(StartLimit));
        Assert.Equal($"cyclic: the seed {SeedNode(nobody.Port)} is unreachable: no answer to this node's join requests within 2 s (is the seed running, and is --seed-node its address?).",
            member.StandardError.Trim());
    }

    [Fact]
    public async Task A_member_with_a_missing_data_directory_fails_before_starting_its_node()
    {
        string missing = Path.Combine(_directory, "no-such-data");
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        using var member = NodeProcess.Start("member", "member", "--seed-node", SeedNode(port), "--data", missing, "--backend", "cpu");

        Assert.Equal(2, await member.ExitCodeAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal($"cyclic: data directory '{missing}' does not exist", member.StandardError.Trim());
        Assert.DoesNotContain("joining", member.Output);
        Assert.False(listener.Pending(), "the member connected to its seed");
    }

    [Fact]
    public void A_member_cannot_take_the_coordinator_role()
    {
        var (code, output, error) = CliRunner.Run("member", "--seed-node", SeedNode(4053), "--roles", "reducer,coordinator");

        Assert.Equal(2, code);
        Assert.Equal("cyclic: --roles coordinator is the seed's role: a cluster has one coordinator, on its seed (cyclic seed)", error.Trim());
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_healthy_run_of_a_seed_and_two_members_prints_no_error_and_no_stack_trace()
    {
        using var seed = NodeProcess.Start("seed", "seed", "--model", "mlp", "--steps", "3", "--data", CliRunner.BundledData, "--port", "0");
        string seedNode = await seed.WaitForAddressAsync(StartLimit);
        using var first = NodeProcess.Start("member 1", Member(seedNode));
        using var second = NodeProcess.Start("member 2", Member(seedNode));

        foreach (var node in new[] { seed, first, second })
        {
            Assert.True(await node.ExitCodeAsync(StartLimit) == 0, $"{node.Name} failed:\n{node.Output}");
        }

        string all = string.Join('\n', seed.Output, first.Output, second.Output);
        Assert.DoesNotContain("ERROR", all);
        Assert.DoesNotContain("Exception", all);
        Assert.DoesNotMatch(StackFrame(), all);
        Assert.Contains("member: trained 3 steps.", first.Output);
    }

    [Fact]
    public async Task Garbage_on_the_seed_port_is_reported_in_one_line_without_a_stack_trace()
    {
        using var seed = NodeProcess.Start("seed", "seed", "--model", "mlp", "--data", CliRunner.BundledData, "--port", "0");
        int port = NodeProcess.PortOf(await seed.WaitForAddressAsync(StartLimit));

        foreach (var garbage in new[] { Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray(), "GET / HTTP/1.0\r\n\r\n"u8.ToArray() })
        {
            using var client = new TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
            await client.GetStream().WriteAsync(garbage);
            await Task.Delay(500);
        }

        await seed.WaitForOutputAsync("TooLongFrameException", TimeSpan.FromSeconds(20));
        seed.Signal(Sigterm);
        Assert.Equal(143, await seed.ExitCodeAsync(TimeSpan.FromSeconds(10)));
        Assert.DoesNotMatch(StackFrame(), seed.Output);
        Assert.All(seed.Output.Split('\n').Where(line => line.Contains("Exception", StringComparison.Ordinal)), line => Assert.StartsWith("[", line));
    }

    private static string[] Member(string seedNode) =>
        ["member", "--seed-node", seedNode, "--workers-per-node", "2", "--data", CliRunner.BundledData, "--backend", "cpu"];

    private static string SeedNode(int port) => string.Create(CultureInfo.InvariantCulture, $"akka.tcp://cyclic@127.0.0.1:{port}");

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A loopback port that was free a moment ago. Another process may take it before the test binds it
    /// (the test then fails with both seeds refused): only for the one test whose point is a port chosen
    /// before any node binds it; every other test lets the OS give its nodes their ports.
    /// </summary>
    private static int PortFreeAMomentAgo()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The akka.tcp address a node printed at start, after <paramref name="prefix"/> ("seed ", "member ").</summary>
    private static string AddressIn(string output, string prefix)
    {
        var match = Regex.Match(output, $"^{prefix}(akka\\.tcp://cyclic@127\\.0\\.0\\.1:\\d+):", RegexOptions.Multiline);
        Assert.True(match.Success, $"no address after '{prefix}' in:\n{output}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"(?m)^\s+at \S")]
    private static partial Regex StackFrame();
}
