using Akka.Actor;
using Akka.Dispatch;
using CyclicActors.Actors.Runtime;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// The dispatcher of workers and reducers: a thread of its own per actor (a CUDA context is current on
/// one thread; a long stage op must not hold a shared pool thread), which blocks when idle. That it
/// blocks rather than yields is measured in bench/results/channel-wakeups.md, not timed here.
/// </summary>
public sealed class DedicatedThreadDispatcherTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_worker_and_reducer_gets_a_thread_of_its_own_that_runs_all_its_messages()
    {
        using var system = ActorSystem.Create("dispatch", CyclicSettings.Reference);
        var settings = CyclicSettings.From(system.Settings.Config);
        var actors = new[]
        {
            system.ActorOf(Props.Create<ThreadReporter>().WithDispatcher(settings.WorkerDispatcher)),
            system.ActorOf(Props.Create<ThreadReporter>().WithDispatcher(settings.WorkerDispatcher)),
            system.ActorOf(Props.Create<ThreadReporter>().WithDispatcher(settings.ReducerDispatcher)),
        };

        var threads = new List<(int Id, string? Name)>[actors.Length];
        for (var i = 0; i < actors.Length; i++)
        {
            threads[i] = [];
            for (var message = 0; message < 20; message++)
            {
                threads[i].Add(await actors[i].Ask<(int, string?)>("which thread?", Limit));
                if (message % 5 == 0)
                {
                    await Task.Delay(20); // idle in between: the thread sleeps and must wake for the next one
                }
            }
        }

        var perActor = threads.Select(seen => Assert.Single(seen.Distinct())).ToArray();
        Assert.Equal(actors.Length, perActor.Select(t => t.Id).Distinct().Count());
        Assert.Equal(["cyclic-actors.dispatchers.worker", "cyclic-actors.dispatchers.worker", "cyclic-actors.dispatchers.reducer"], perActor.Select(t => t.Name));
        Assert.NotEqual(Environment.CurrentManagedThreadId, perActor[0].Id);
    }

    [Fact]
    public void The_executor_runs_what_it_is_handed_in_order_finishes_it_at_shutdown_then_refuses_more()
    {
        var executor = new DedicatedThreadExecutor("test-dispatcher");
        var ran = new List<int>();
        using var done = new ManualResetEventSlim();
        for (var i = 0; i < 100; i++)
        {
            var item = i;
            executor.Execute(new ActionRunnable(() =>
            {
                Thread.Sleep(item == 0 ? 50 : 0); // the rest queue up behind the first
                ran.Add(item);
            }));
        }

        executor.Execute(new ActionRunnable(done.Set));
        executor.Shutdown();
        Assert.True(done.Wait(Limit), "the queued items did not all run after shutdown");
        Assert.Equal(Enumerable.Range(0, 100), ran);
        var refused = Assert.Throws<RejectedExecutionException>(() => executor.Execute(new ActionRunnable(() => { })));
        Assert.Contains("test-dispatcher", refused.Message);
    }

    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() => Receive<string>(_ => Sender.Tell((Environment.CurrentManagedThreadId, Thread.CurrentThread.Name)));
    }
}
