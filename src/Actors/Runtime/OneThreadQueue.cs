namespace CyclicActors.Actors.Runtime;

/// <summary>
/// Work handed over by the training and done in order on a thread of its own, so training never
/// waits for it (checkpoint writes, evaluations during training). With <c>mostWaiting</c>, a new item
/// arriving when that many wait replaces the oldest waiting one, which goes to <c>dropped</c>. The
/// work handles its own failures. An idle thread blocks on a monitor (no spinning). Thread-safe.
/// Also the thread of every worker and reducer (<see cref="DedicatedThreadDispatcherConfigurator"/>).
/// </summary>
public sealed class OneThreadQueue<T> : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<T> _pending = new();
    private readonly Thread _thread;
    private readonly Action<T> _work;
    private readonly int _mostWaiting;
    private readonly Action<T>? _dropped;
    private bool _closed;

    public OneThreadQueue(string threadName, Action<T> work, int mostWaiting = int.MaxValue, Action<T>? dropped = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(mostWaiting, 1);
        _work = work;
        _mostWaiting = mostWaiting;
        _dropped = dropped;
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="item"/>; returns at once.</summary>
    public void Enqueue(T item)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_pending.Count == _mostWaiting)
            {
                _dropped?.Invoke(_pending.Dequeue());
            }

            _pending.Enqueue(item);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Takes no more items; the thread ends once every queued one is done. Returns at once.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Takes no more items and waits until every queued one is done.</summary>
    public void Drain()
    {
        Close();
        _thread.Join();
    }

    /// <summary>Drops what still waits, then waits for the item in hand (a run that failed).</summary>
    public void Abandon()
    {
        lock (_gate)
        {
            _pending.Clear();
        }

        Drain();
    }

    public void Dispose() => Drain();

    private void Run()
    {
        while (true)
        {
            T next;
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

            _work(next);
        }
    }
}
