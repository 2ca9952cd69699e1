using System.Runtime.InteropServices;

namespace CyclicActors.Host.Commands;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM for a cluster node. The first one does not kill the process: it
/// completes <see cref="Requested"/> with the signal's name, so that the node can tell the others
/// why it ends and leave the cluster; the command then exits with <see cref="ExitCode"/> (130 or
/// 143, as a shell reports a process ended by the signal). A second signal ends the process at once.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly TaskCompletionSource<string> _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _registrations;
    private int _exitCode;

    public StopSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, "SIGINT", 130)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, "SIGTERM", 143)),
        ];
    }

    /// <summary>Completes with "SIGINT" or "SIGTERM" when the first of them arrives.</summary>
    public Task<string> Requested => _requested.Task;

    public bool IsRequested => _requested.Task.IsCompleted;

    /// <summary>128 + the signal's number once one arrived (130 for SIGINT, 143 for SIGTERM); 0 before.</summary>
    public int ExitCode => Volatile.Read(ref _exitCode);

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context, string name, int exitCode)
    {
        if (Interlocked.CompareExchange(ref _exitCode, exitCode, 0) != 0)
        {
            return; // the second signal: the runtime's default handling ends the process
        }

        context.Cancel = true;
        _requested.TrySetResult(name);
    }
}
