using System.Diagnostics;

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
    private readonly object _gate = new();
    private readonly Thread _thread;
    private readonly List<double> _writeSeconds = [];
    /// <summary>Each waiting write holds a cut (parameters, momentum, look-ahead state): two bound what waits to twice that.</summary>
    public const int MostWaiting = 2;

    private readonly Queue<(long Step, Action Write)> _pending = new();
    private readonly List<long> _skipped = [];
    private bool _closed;
    private Exception? _failure;

    public CheckpointQueue()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "checkpoint writer" };
        _thread.Start();
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
    public void Enqueue(long step, Action write)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_pending.Count == MostWaiting)
            {
                _skipped.Add(_pending.Dequeue().Step);
            }

            _pending.Enqueue((step, write));
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until every queued write is done; throws the first write's failure, if any.</summary>
    public void Complete()
    {
        Close();
        _thread.Join();
        if (_failure is not null)
        {
            throw _failure;
        }
    }

    public void Dispose()
    {
        Close();
        _thread.Join();
    }

    private void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Run()
    {
        while (true)
        {
            (long Step, Action Write) next;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_closed)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Count == 0)
                {
                    return;
                }

                next = _pending.Dequeue();
            }

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
