using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    private readonly StringBuilder _standardOutput = new();
    private readonly StringBuilder _standardError = new();

    private NodeProcess(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        Name = name;
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "cyclic.exe" : "cyclic"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
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

    public bool HasExited => _process.HasExited;

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

    /// <summary>What the process wrote to stdout alone.</summary>
    public string StandardOutput
    {
        get
        {
            lock (_output)
            {
                return _standardOutput.ToString();
            }
        }
    }

    /// <summary>What the process wrote to stderr alone.</summary>
    public string StandardError
    {
        get
        {
            lock (_output)
            {
                return _standardError.ToString();
            }
        }
    }

    public static NodeProcess Start(string name, params IEnumerable<string> args) => new(name, args);

    /// <summary>Starts a process with <paramref name="environment"/> added to this one's environment.</summary>
    public static NodeProcess StartWithEnvironment(string name, IReadOnlyDictionary<string, string> environment, params IEnumerable<string> args) => new(name, args, environment);

    /// <summary>Waits until the output satisfies <paramref name="condition"/>, or fails naming the process and its output after <paramref name="limit"/>.</summary>
    public async Task WaitForOutputAsync(Func<string, bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition(Output))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{Name} did not print what was awaited within {limit.TotalSeconds:0} s. Output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Starts `cyclic` in <paramref name="workingDirectory"/>, for commands given relative paths such as `--save .`.</summary>
    public static NodeProcess StartIn(string workingDirectory, string name, params IEnumerable<string> args) => new(name, args, workingDirectory: workingDirectory);

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
}
