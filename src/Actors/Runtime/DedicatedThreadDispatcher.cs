using Akka.Configuration;
using Akka.Dispatch;

namespace CyclicActors.Actors.Runtime;

/// <summary>
/// Gives every actor its own thread, as Akka's <c>PinnedDispatcher</c> type does, but a thread with
/// nothing to run sleeps at once. PinnedDispatcher always runs on Helios' DedicatedThreadPool, whose
/// idle thread first calls <c>Thread.Sleep(0)</c> up to 50 times per core before it blocks. Workers
/// and reducers idle for most of every step while waiting for tensors, so on the emulated hosts (five
/// nodes, two cores) those yields kept about twenty threads runnable beside the one doing a stage's
/// arithmetic, which then took two to three times its uncontended time (bench/results/channel-wakeups.md, docs/design.md).
/// Configure with <c>type = "CyclicActors.Actors.Runtime.DedicatedThreadDispatcherConfigurator, CyclicActors.Actors"</c>.
/// </summary>
public sealed class DedicatedThreadDispatcherConfigurator : MessageDispatcherConfigurator
{
    public DedicatedThreadDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites)
        : base(config, prerequisites)
    {
    }

    /// <summary>A new dispatcher, and so a new thread, for every actor that asks (Akka calls this once per actor).</summary>
    public override MessageDispatcher Dispatcher()
    {
        var id = Config.GetString("id", null);
        return new PinnedDispatcher(this, id, Config.GetInt("throughput", 0), Config.GetTimeSpan("throughput-deadline-time", null).Ticks,
            new DedicatedThreadExecutorFactory(), Config.GetTimeSpan("shutdown-timeout", null));
    }

    private sealed class DedicatedThreadExecutorFactory : ExecutorServiceFactory
    {
        public override ExecutorService Produce(string id) => new DedicatedThreadExecutor(id);
    }
}

/// <summary>One background thread running what it is handed in order; it blocks on a monitor when idle.</summary>
internal sealed class DedicatedThreadExecutor : ExecutorService
{
    // Akka's mailbox run catches what the actor throws; anything escaping it is a runtime bug, and
    // ending the process loudly beats a worker that silently stops.
    private readonly OneThreadQueue<IRunnable> _queue;

    public DedicatedThreadExecutor(string id)
        : base(id)
    {
        _queue = new OneThreadQueue<IRunnable>(id, run => run.Run());
    }

    public override void Execute(IRunnable run)
    {
        try
        {
            _queue.Enqueue(run);
        }
        catch (ObjectDisposedException)
        {
            throw new RejectedExecutionException($"The dedicated thread of dispatcher {Id} has shut down.");
        }
    }

    /// <summary>The thread finishes what it was handed, then ends; returns at once (Akka may call it from any thread).</summary>
    public override void Shutdown() => _queue.Close();
}
