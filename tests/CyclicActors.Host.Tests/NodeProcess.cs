using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// One `cyclic` process (the apphost built next to the tests), its output captured. Disposing kills
/// it and its children if it is still running, so a failed test leaves no node behind.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private NodeProcess(string name, IEnumerable<string> args, bool defaultSigint)
    {
        Name = name;
        var cyclic = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "cyclic.exe" : "cyclic");
        // A test host started in the background of a script ignores SIGINT, and so would its
        // children: env gives the node the default disposition back, as a terminal would.
        var start = new ProcessStartInfo(defaultSigint ? "env" : cyclic)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (defaultSigint)
        {
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(cyclic);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        _process.OutputDataReceived += (_, e) => Append(e.Data, error: false);
        _process.ErrorDataReceived += (_, e) => Append(e.Data, error: true);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote to standard error alone.</summary>
    public string Error
    {
        get
        {
            lock (_output)
            {
                return _error.ToString();
            }
        }
    }

    public static NodeProcess Start(string name, params IEnumerable<string> args) => new(name, args, defaultSigint: false);

    /// <summary>A node that SIGINT reaches even when the tests run with SIGINT ignored (GNU env, Linux).</summary>
    public static NodeProcess StartInterruptible(string name, params IEnumerable<string> args) => new(name, args, defaultSigint: true);

    /// <summary>Sends SIGINT (2) or SIGTERM (15), as Ctrl-C or kill would.</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails naming the process and its output when it exits or runs past <paramref name="limit"/> first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{Name} did not print '{text}' within {limit.TotalSeconds:0} s{(_process.HasExited ? " (it exited)" : string.Empty)}. Output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A loopback port that was free a moment ago (the seed needs a known one).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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

    private void Append(string? line, bool error)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (error)
            {
                _error.AppendLine(line);
            }
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
