using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// Hosts of their own made by bench/netem/hosts.sh: one network namespace each, with an address on a
/// bridge and its link shaped by htb. Disposing removes every namespace it made. Namespaces are named
/// after the test process's id, so a run killed before it could clean up is swept by the next one.
/// </summary>
internal sealed partial class EmulatedHosts : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private EmulatedHosts(string prefix, IReadOnlyList<(string Namespace, string Address)> hosts)
    {
        Prefix = prefix;
        Hosts = hosts;
    }

    public string Prefix { get; }

    /// <summary>Each host's namespace and its address, in the order made (host i at 10.233.0.(10+i)).</summary>
    public IReadOnlyList<(string Namespace, string Address)> Hosts { get; }

    public static string Script => Path.Combine(CliRunner.RepositoryRoot(), "bench", "netem", "hosts.sh");

    /// <summary>Makes <paramref name="count"/> hosts whose links run at <paramref name="rate"/> (as tc takes it, e.g. 100mbit).</summary>
    public static EmulatedHosts Up(int count, string rate)
    {
        SweepStale();
        string prefix = $"t{Environment.ProcessId}";
        var (code, output) = Run("up", prefix, count.ToString(System.Globalization.CultureInfo.InvariantCulture), rate);
        if (code != 0)
        {
            Run("down", prefix);
            Assert.Fail($"hosts.sh up failed ({code}):\n{output}");
        }

        var hosts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Where(words => words.Length == 2 && words[0].StartsWith(prefix + "-", StringComparison.Ordinal))
            .Select(words => (words[0], words[1]))
            .ToArray();
        Assert.Equal(count, hosts.Length);
        return new EmulatedHosts(prefix, hosts);
    }

    /// <summary>Why hosts cannot be made here (no rights, no iproute2), or null when they can.</summary>
    public static string? WhyUnavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces are Linux only";
        }

        var (code, output) = Run("check");
        return code == 0 ? null : output.Trim();
    }

    public void Dispose() => Run("down", Prefix);

    /// <summary>Takes a host's eth0 down: it hears no one and no one hears it.</summary>
    public static void LinkDown(string hostNamespace)
    {
        var (code, output) = RunProcess("ip", "-n", hostNamespace, "link", "set", "eth0", "down");
        Assert.True(code == 0, $"ip -n {hostNamespace} link set eth0 down failed: {output}");
    }

    /// <summary>The largest number of MTU segments the host's eth0 hands its queue as one packet (1: frames, no segmentation offload).</summary>
    public static int GsoMaxSegments(string hostNamespace)
    {
        var (code, output) = RunProcess("ip", "-n", hostNamespace, "-d", "link", "show", "eth0");
        Assert.True(code == 0, $"ip -n {hostNamespace} -d link show eth0 failed: {output}");
        var match = GsoMaxSegs().Match(output);
        Assert.True(match.Success, $"no gso_max_segs in: {output}");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Removes the namespaces of test processes that no longer run.</summary>
    private static void SweepStale()
    {
        var (_, listing) = RunProcess("ip", "netns", "list");
        var stale = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => OwnNamespace().Match(line))
            .Where(match => match.Success)
            .Select(match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .Distinct()
            .Where(pid => pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"));
        foreach (var pid in stale)
        {
            Run("down", $"t{pid}");
        }
    }

    private static (int Code, string Output) Run(params string[] args) => RunProcess("bash", [Script, .. args]);

    private static (int Code, string Output) RunProcess(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Limit))
            {
                process.Kill(entireProcessTree: true);
                return (124, $"{file} {string.Join(' ', args)} did not finish within {Limit.TotalSeconds:0} s");
            }

            return (process.ExitCode, output.Result + error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"cannot run {file}: {e.Message}");
        }
    }

    [GeneratedRegex(@"^t(\d+)-(?:sw|\d+)\b")]
    private static partial Regex OwnNamespace();

    [GeneratedRegex(@"gso_max_segs (\d+)")]
    private static partial Regex GsoMaxSegs();
}

/// <summary>A fact that needs emulated hosts; skipped, with the reason, where namespaces cannot be made.</summary>
public sealed class EmulatedHostsFactAttribute : FactAttribute
{
    public EmulatedHostsFactAttribute()
    {
        if (EmulatedHosts.WhyUnavailable() is { } why)
        {
            Skip = $"emulated hosts unavailable: {why}";
        }
    }
}
