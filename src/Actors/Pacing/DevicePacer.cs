using Akka;
using Akka.Actor;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Pacing;

/// <summary>
/// The pacing of one device's workers in a running process: each worker asks before an op
/// (<see cref="WaitToStart"/>, blocking its own thread until the <see cref="PacingState"/> allows it)
/// and reports the op's end (<see cref="Completed"/>). Per device, never a barrier across the
/// cluster. <see cref="Cancel"/> releases every waiting worker with an exception, so a run that
/// fails elsewhere never leaves a worker blocked.
/// </summary>
public sealed class DevicePacer
{
    private readonly PacingState _state;
    private readonly TimeSpan _patience;
    private readonly object _gate = new();
    private string? _cancelled;

    /// <param name="patience">How long one op may wait before the run fails naming it (a safety net: by the schedule's order a wait always ends).</param>
    public DevicePacer(PacingState state, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
        _patience = patience;
    }

    public PacingMode Mode => _state.Mode;

    /// <summary>Blocks until <paramref name="op"/> may start, then marks it started.</summary>
    /// <exception cref="OperationCanceledException">The pacer was cancelled (the run is ending).</exception>
    /// <exception cref="TimeoutException">The op waited longer than the patience allows.</exception>
    public void WaitToStart(ScheduledOp op)
    {
        if (_state.Mode == PacingMode.None)
        {
            return;
        }

        var deadline = DateTime.UtcNow + _patience;
        lock (_gate)
        {
            while (!_state.CanStart(op))
            {
                ThrowIfCancelled();
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"{_state.Mode} pacing kept {op} waiting for {_patience.TotalSeconds:0} s (reserved {_state.Reserved:N0} of {_state.Budget:N0} bytes).");
                }

                Monitor.Wait(_gate, left);
            }

            ThrowIfCancelled();
            _state.Started(op);
            // A grant can be what another waiter needs (budget reservations go in tick order), so
            // waking them only when an op completes would leave the device idle until then.
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The op finished (its activations are freed if it was a backward): waiting workers look again.</summary>
    public void Completed(ScheduledOp op)
    {
        if (_state.Mode == PacingMode.None)
        {
            return;
        }

        lock (_gate)
        {
            _state.Completed(op);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Cancels the pacer when <paramref name="system"/> shuts down, before its actors stop: a worker
    /// blocked in a wait cannot take its stop message, and a parent stops only after its children,
    /// so the owner's PostStop would come too late.
    /// </summary>
    public void CancelOnShutdown(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "cancel-pacing", () =>
        {
            Cancel("the actor system is shutting down");
            return Task.FromResult(Done.Instance);
        });
    }

    /// <summary>Ends every wait, now and later, with <see cref="OperationCanceledException"/> naming <paramref name="reason"/>.</summary>
    public void Cancel(string reason)
    {
        lock (_gate)
        {
            _cancelled ??= reason;
            Monitor.PulseAll(_gate);
        }
    }

    private void ThrowIfCancelled()
    {
        if (_cancelled is not null)
        {
            throw new OperationCanceledException($"pacing cancelled: {_cancelled}");
        }
    }
}
