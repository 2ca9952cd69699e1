using System.Collections.Concurrent;
using System.Diagnostics;

namespace CyclicActors.Bench.Transport;

/// <summary>
/// The receiver process, started from this same executable. Its stdout lines are collected so the
/// driver can wait for announcements (RAW, READY, VERIFY …); disposing closes its stdin, waits a
/// bounded time for a clean exit and kills it otherwise.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.CompleteAdding();
            }
            else
            {
                _lines.Add(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"[receiver] {e.Data}");
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static ChildProcess Start(IEnumerable<string> arguments)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable is running.");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        start.ArgumentList.Add("receive");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}."));
    }

    public int Id => _process.Id;

    /// <summary>The next stdout line starting with <paramref name="prefix"/>; earlier other lines are echoed.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_lines.TryTake(out var line, left))
            {
                throw new TimeoutException($"The receiver process did not print '{prefix}' within {timeout.TotalSeconds:0} s (exited: {_process.HasExited}).");
            }

            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }

            Console.WriteLine($"[receiver] {line}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
            _lines.Dispose();
        }
    }
}
