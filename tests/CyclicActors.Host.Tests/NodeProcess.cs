using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// One `cyclic` process (the apphost built next to the tests), its output captured. Disposing kills
/// it and its children if it is still running, so a failed test leaves no node behind.
/// </summary>
internal sealed partial class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();
    private readonly StringBuilder _standardError = new();

    private NodeProcess(string name, IEnumerable<string> args, NodeStart how)
    {
        Name = name;
        var cyclic = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "cyclic.exe" : "cyclic");
        // A test host started in the background of a script ignores SIGINT, and so would its
        // children: env gives the node the default disposition back, as a terminal would.
        var start = new ProcessStartInfo(how.Namespace is not null ? "ip" : how.DefaultSigint ? "env" : cyclic)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = how.WorkingDirectory ?? string.Empty,
        };
        if (how.Namespace is not null)
        {
            // ip execs the program in place, so this process's id is the node's, and Kill reaches it.
            start.ArgumentList.Add("netns");
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(how.Namespace);
            start.ArgumentList.Add(cyclic);
        }
        else if (how.DefaultSigint)
        {
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(cyclic);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (variable, value) in how.Environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        _process.OutputDataReceived += (_, e) => Append(e.Data, _standardOutput);
        _process.ErrorDataReceived += (_, e) => Append(e.Data, _standardError);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    /// <summary>Standard output and standard error, interleaved as they arrived.</summary>
    public string Output => Read(_output);

    /// <summary>What the process wrote to standard output alone.</summary>
    public string StandardOutput => Read(_standardOutput);

    /// <summary>What the process wrote to standard error alone.</summary>
    public string StandardError => Read(_standardError);

    public bool HasExited => _process.HasExited;

    public static NodeProcess Start(string name, params IEnumerable<string> args) => new(name, args, new NodeStart());

    /// <summary>A node that SIGINT reaches even when the tests run with SIGINT ignored (GNU env, Linux).</summary>
    public static NodeProcess StartInterruptible(string name, params IEnumerable<string> args) => new(name, args, new NodeStart { DefaultSigint = true });

    /// <summary>Starts a process with <paramref name="environment"/> added to this one's environment.</summary>
    public static NodeProcess StartWithEnvironment(string name, IReadOnlyDictionary<string, string> environment, params IEnumerable<string> args) =>
        new(name, args, new NodeStart { Environment = environment });

    /// <summary>Starts `cyclic` in <paramref name="workingDirectory"/>, for commands given relative paths such as `--save .`.</summary>
    public static NodeProcess StartIn(string workingDirectory, string name, params IEnumerable<string> args) =>
        new(name, args, new NodeStart { WorkingDirectory = workingDirectory });

    /// <summary>Starts `cyclic` inside the network namespace <paramref name="networkNamespace"/> (ip netns exec).</summary>
    public static NodeProcess StartInNamespace(string networkNamespace, string name, params IEnumerable<string> args) =>
        new(name, args, new NodeStart { Namespace = networkNamespace });

    /// <summary>Sends SIGINT (2) or SIGTERM (15), as Ctrl-C or kill would.</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails naming the process and its output when it exits or runs past <paramref name="limit"/> first.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan limit) =>
        WaitForOutputAsync(output => output.Contains(text, StringComparison.Ordinal), limit, $"'{text}'");

    /// <summary>Waits until the output satisfies <paramref name="condition"/>, or fails naming the process and its output after <paramref name="limit"/>.</summary>
    public async Task WaitForOutputAsync(Func<string, bool> condition, TimeSpan limit, string what = "what was awaited")
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition(Output))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{Name} did not print {what} within {limit.TotalSeconds:0} s{(_process.HasExited ? " (it exited)" : string.Empty)}. Output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits for a seed's first line, "seed akka.tcp://cyclic@HOST:PORT: ...", and returns the address
    /// in it. Started with --port 0, the seed prints the port the OS gave it when it bound, so no other
    /// process can have taken that port before the members join it.
    /// </summary>
    public async Task<string> WaitForAddressAsync(TimeSpan limit)
    {
        await WaitForOutputAsync(_ => SeedLine().IsMatch(StandardOutput), limit, "its address (seed akka.tcp://...:)");
        return SeedLine().Match(StandardOutput).Groups[1].Value;
    }

    /// <summary>The port of an address such as akka.tcp://cyclic@127.0.0.1:4053.</summary>
    public static int PortOf(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    /// <summary>The exit code, or a failure naming the process and its output when it runs past <paramref name="limit"/>.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name} did not exit within {limit.TotalSeconds:0} s. Output:\n{Output}");
        }

        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private string Read(StringBuilder stream)
    {
        lock (_output)
        {
            return stream.ToString();
        }
    }

    private void Append(string? line, StringBuilder stream)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            stream.AppendLine(line);
        }
    }

    [GeneratedRegex(@"(?m)^seed (akka(?:\.ssl)?\.tcp://cyclic@[^\s:]+:\d+):")]
    private static partial Regex SeedLine();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private sealed record NodeStart
    {
        public IReadOnlyDictionary<string, string>? Environment { get; init; }

        public string? WorkingDirectory { get; init; }

        public bool DefaultSigint { get; init; }

        public string? Namespace { get; init; }
    }
}
