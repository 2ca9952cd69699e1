using System.Diagnostics;
using CyclicActors.Actors.Runtime;
using CyclicActors.Host.Reporting;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Writes checkpoints on a thread of its own, so training never waits for a disk: the coordinator
/// hands over a write and goes on. At most <see cref="MostWaiting"/> writes wait behind the one being
/// written; a newer one then replaces the oldest waiting (counted as skipped), so a slow disk costs
/// checkpoints, never unbounded memory or training time. The last write handed over is always written. <see cref="Complete"/> waits for the queue to empty and
/// rethrows the first failure.
/// </summary>
internal sealed class CheckpointQueue : IDisposable
{
    /// <summary>Each waiting write holds a cut (parameters, momentum, look-ahead state): two bound what waits to twice that.</summary>
    public const int MostWaiting = 2;

    private readonly object _gate = new();
    private readonly List<double> _writeSeconds = [];
    private readonly List<long> _skipped = [];
    private readonly OneThreadQueue<(long Step, Action Write)> _queue;
    private Exception? _failure;

    public CheckpointQueue()
    {
        // The queue calls back on the skip under its own lock; ours is taken after it, never before.
        _queue = new OneThreadQueue<(long Step, Action Write)>("checkpoint writer", Write, MostWaiting, dropped =>
        {
            lock (_gate)
            {
                _skipped.Add(dropped.Step);
            }
        });
    }

    /// <summary>Checkpoints written.</summary>
    public int Written { get; private set; }

    /// <summary>Checkpoints replaced by a newer one before they were written.</summary>
    public IReadOnlyList<long> Skipped
    {
        get
        {
            lock (_gate)
            {
                return [.. _skipped];
            }
        }
    }

    /// <summary>Seconds each write took, in order.</summary>
    public IReadOnlyList<double> WriteSeconds
    {
        get
        {
            lock (_gate)
            {
                return [.. _writeSeconds];
            }
        }
    }

    /// <summary>The step of the newest checkpoint written, or null.</summary>
    public long? NewestStep { get; private set; }

    /// <summary>Queues the write of the checkpoint at <paramref name="step"/>; returns at once.</summary>
    public void Enqueue(long step, Action write) => _queue.Enqueue((step, write));

    /// <summary>Waits until every queued write is done; throws the first write's failure, if any.</summary>
    public void Complete()
    {
        _queue.Drain();
        if (_failure is not null)
        {
            throw _failure;
        }
    }

    public void Dispose() => _queue.Dispose();

    private void Write((long Step, Action Write) next)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            next.Write();
            lock (_gate)
            {
                Written++;
                NewestStep = next.Step;
                _writeSeconds.Add(clock.Elapsed.TotalSeconds);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or GpuCompute.Checkpoints.CheckpointTargetException)
        {
            Console.Error.WriteLine($"cyclic: the checkpoint at step {next.Step} could not be written: {e.Message}");
            lock (_gate)
            {
                _failure ??= e;
            }
        }
    }
}

/// <summary>The end of a run that checkpoints: waits for the queue and records what it wrote in the summary.</summary>
internal static class CheckpointWrites
{
    public static void Complete(CheckpointQueue checkpoints, IDictionary<string, object?> summary)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(summary);
        try
        {
            checkpoints.Complete();
        }
        finally
        {
            summary["checkpoints_written"] = checkpoints.Written;
            summary["checkpoints_skipped"] = checkpoints.Skipped;
            summary["checkpoint_write_seconds"] = checkpoints.WriteSeconds;
        }
    }
}
