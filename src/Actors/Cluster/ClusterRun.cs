using Akka;
using Akka.Actor;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// A cluster run's result as the seed sees it, what each member sent and held, and the plan it ran
/// with (where each rank and reducer ran; its world size is the one trained with). With a trace
/// path, <see cref="ActorTrainingResult.TracePath"/> names the merged trace and
/// <paramref name="TraceMissing"/> the members whose trace did not arrive (left out of the file).
/// </summary>
public sealed record ClusterRunResult(ActorTrainingResult Training, IReadOnlyList<NodeStatistics> Nodes, NodePlanned Plan, IReadOnlyList<string> TraceMissing)
{
    /// <summary>The world size trained with: --workers, or fewer after an elastic start.</summary>
    public int Workers => Plan.RankOwners.Length;
}

/// <summary>
/// Entry points of a multi-node run. The seed runs the coordinator singleton and drives the
/// training over the members' workers and reducers; a member runs its part until told the run is
/// over. Both take a started cluster ActorSystem (see <see cref="ClusterConfiguration"/>).
/// </summary>
public static class ClusterRun
{
    /// <summary>
    /// Trains on the members; the result is the seed's view (same as a one-process run's with the
    /// world size it started with: <c>options.Training.Workers</c>, or fewer when
    /// cyclic-actors.cluster.min-workers allowed an elastic start at the join timeout).
    /// Members' progress reports go to <paramref name="progress"/> as they arrive. With
    /// <see cref="ActorTrainingOptions.TracePath"/> set, members record traces and the seed writes
    /// them there as one trace (a process per member; the coordinator records nothing of its own).
    /// </summary>
    /// <remarks>
    /// When <paramref name="stopRequested"/> completes (a signal to the seed's process), the seed
    /// tells every member that contacted it the reason it completed with, and throws
    /// <see cref="OperationCanceledException"/> with that reason.
    /// </remarks>
    /// <exception cref="ArgumentException">min-workers is more than the workers wanted.</exception>
    /// <exception cref="TimeoutException">Members did not join (the message names who is missing) or build their part in time.</exception>
    /// <exception cref="InvalidOperationException">A member was lost during the run; or this node could not join its --seed-node, or joined a cluster that already has a coordinator (a second seed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="stopRequested"/> completed.</exception>
    public static async Task<ClusterRunResult> SeedAsync(ActorSystem system, ActorTrainingOptions options, Dataset train, float[] initialParameters,
        Action<StepMetrics>? onStep = null, CancellationToken cancel = default, ClusterProgressBoard? progress = null, Task<string>? stopRequested = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        var cluster = ClusterNodeSettings.From(system.Settings.Config);
        if (cluster.MinWorkers > options.Training.Workers)
        {
            throw new ArgumentException($"min-workers {cluster.MinWorkers} (--min-workers or cyclic-actors.cluster.min-workers) is more than the {options.Training.Workers} workers wanted (--workers).");
        }

        if ((options.Resume is not null || options.CutEvery > 0) && cluster.MinWorkers is { } min && min < options.Training.Workers)
        {
            throw new ArgumentException($"An elastic start (min-workers {min}) cannot go with checkpoints or a resume yet: a checkpoint records the {options.Training.Workers} workers it was taken with, and a resumed run trains with them.");
        }

        var stopped = stopRequested ?? new TaskCompletionSource<string>().Task;
        await JoinedAsTheOnlyCoordinatorAsync(system, stopped, cancel).ConfigureAwait(false);
        var (identity, _) = SharedTrainingOptions.Identify(options.Training, train);
        var ready = new TaskCompletionSource<SessionReady>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var statistics = new TaskCompletionSource<IReadOnlyList<NodeStatistics>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var traces = new TaskCompletionSource<GatheredTraces>(TaskCreationOptions.RunContinuationsAsynchronously);
        var setup = new SessionSetup(SharedTrainingOptions.From(options), identity, cluster.JoinTimeout, cluster.JoinTimeout, ready, lost, statistics,
            progress ?? new ClusterProgressBoard(), cluster.TraceTimeout, traces, cluster.MinWorkers, options.Resume);
        CoordinatorSingleton.Start(system, Props.Create(() => new ClusterTrainingSession(setup)));
        var session = CoordinatorSingleton.Proxy(system, "seed-session-proxy");

        var placed = await PlacedOrLostAsync(ready.Task, lost.Task, stopped, session, cancel).ConfigureAwait(false);
        // An elastic start trains with fewer workers: data order, schedule and steps follow the plan's N.
        options = options with { Training = options.Training with { Workers = placed.Plan.RankOwners.Length } };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // The members record the trace; the coordinator here would only sample the seed's empty activation ledger.
        var training = ActorTrainer.RunPlacedAsync(system, options with { TracePath = null }, train, initialParameters, placed.Placement,
            coordinator => session.Tell(new CoordinatorRunning(coordinator)), onStep, stop.Token);
        try
        {
            var first = await Task.WhenAny(training, lost.Task, stopped).ConfigureAwait(false);
            if (first != training)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw first == stopped ? new OperationCanceledException(stopped.Result) : new InvalidOperationException(lost.Task.Result);
            }

            var result = await training.ConfigureAwait(false);
            session.Tell(new EndTraining(true, $"trained {result.Outcome.Steps} steps."));
            var nodes = await UnlessStoppedAsync(statistics.Task.WaitAsync(TimeSpan.FromSeconds(30), cancel), stopped).ConfigureAwait(false);
            if (options.TracePath is null)
            {
                return new ClusterRunResult(result, nodes, placed.Plan, []);
            }

            // The session gives up on missing traces after the trace timeout; the margin covers its timer.
            var gathered = await UnlessStoppedAsync(traces.Task.WaitAsync(cluster.TraceTimeout + TimeSpan.FromSeconds(10), cancel), stopped).ConfigureAwait(false);
            if (stopped.IsCompleted)
            {
                throw new OperationCanceledException(stopped.Result); // a stopped seed writes nothing
            }

            TraceMerge.Write(options.TracePath, gathered.Traces);
            return new ClusterRunResult(result with { TracePath = options.TracePath }, nodes, placed.Plan, gathered.Missing);
        }
        catch (Exception e)
        {
            await EndRunAsync(session, e.Message).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until this node is Up in a cluster where no other node has the coordinator role: a
    /// second seed started with --seed-node of a running cluster would offer a second coordinator
    /// (the running one downs such a node if it stays). A node that never gets in names its seeds.
    /// </summary>
    private static async Task JoinedAsTheOnlyCoordinatorAsync(ActorSystem system, Task<string> stopped, CancellationToken cancel)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var joined = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => joined.TrySetResult(true));
        cluster.RegisterOnMemberRemoved(() => joined.TrySetResult(false));
        if (await Task.WhenAny(joined.Task, stopped).WaitAsync(cancel).ConfigureAwait(false) == stopped)
        {
            throw new OperationCanceledException(stopped.Result);
        }

        var self = cluster.SelfAddress;
        var otherCoordinator = cluster.State.Members.FirstOrDefault(member => member.HasRole(CoordinatorSingleton.Role) && !member.Address.Equals(self));
        if (otherCoordinator is not null)
        {
            throw new InvalidOperationException(
                $"refused: the cluster this seed joined already has a coordinator, on {otherCoordinator.Address}; a cluster has one seed (to add this machine, start `cyclic member --seed-node {otherCoordinator.Address}`).");
        }

        if (!joined.Task.Result)
        {
            throw new InvalidOperationException(
                $"could not join the seed node {string.Join(", ", cluster.Settings.SeedNodes)}: none answered within {cluster.Settings.ShutdownAfterUnsuccessfulJoinSeedNodes?.TotalSeconds:0.#} s (akka.cluster.shutdown-after-unsuccessful-join-seed-nodes).");
        }
    }

    /// <summary>
    /// Waits until the members built their part. A member that fails meanwhile (its part could not
    /// start) says why; that reason wins over the setup's own error, which would only say that its
    /// actors could not be reached.
    /// </summary>
    private static async Task<SessionReady> PlacedOrLostAsync(Task<SessionReady> ready, Task<string> lost, Task<string> stopped, IActorRef session, CancellationToken cancel)
    {
        var first = await Task.WhenAny(ready, lost, stopped).WaitAsync(cancel).ConfigureAwait(false);
        if (first == stopped && !ready.IsCompletedSuccessfully)
        {
            await EndRunAsync(session, stopped.Result).ConfigureAwait(false);
            throw new OperationCanceledException(stopped.Result);
        }

        if (first == ready && !ready.IsCompletedSuccessfully)
        {
            await Task.WhenAny(lost, Task.Delay(TimeSpan.FromSeconds(3), cancel)).ConfigureAwait(false);
        }

        if (lost.IsCompleted && !ready.IsCompletedSuccessfully)
        {
            await EndRunAsync(session, lost.Result).ConfigureAwait(false);
            throw new InvalidOperationException(lost.Result);
        }

        return await ready.ConfigureAwait(false);
    }

    private static async Task<T> UnlessStoppedAsync<T>(Task<T> task, Task<string> stopped)
    {
        if (await Task.WhenAny(task, stopped).ConfigureAwait(false) == stopped && !task.IsCompleted)
        {
            throw new OperationCanceledException(stopped.Result);
        }

        return await task.ConfigureAwait(false);
    }

    /// <summary>
    /// Tells every member the run failed, and waits (briefly) until the session has sent that, so
    /// that the message leaves before the seed leaves the cluster.
    /// </summary>
    private static async Task EndRunAsync(IActorRef session, string reason)
    {
        try
        {
            await session.Ask<Done>(new EndTraining(false, reason), TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            // The session is gone (the system is shutting down): the members see the seed leave instead.
        }
    }

    /// <summary>
    /// Takes part with <paramref name="workers"/> workers on this node's own data until the seed ends
    /// the run (0 workers: a reducer-only member, which needs the reducer cluster role);
    /// <paramref name="onAdmitted"/> hears the ranks it was given. When
    /// <paramref name="stopRequested"/> completes (a signal to the member's process), the part ends
    /// with the reason it completed with, and the seed hears it.
    /// </summary>
    public static Task<MemberOutcome> MemberAsync(ActorSystem system, int workers, Func<Dataset> loadData, CancellationToken cancel = default,
        Func<int, MemoryLedger, IComputeBackend>? backendFactory = null, Action<int[]>? onAdmitted = null, Task<string>? stopRequested = null,
        Func<MemoryLedger, IComputeBackend>? reducerBackendFactory = null, IDevicePool? devicePool = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var outcome = new TaskCompletionSource<MemberOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var setup = new MemberNodeSetup(workers, loadData, CyclicSettings.From(system.Settings.Config), TimeSpan.FromSeconds(2), outcome, backendFactory, onAdmitted, reducerBackendFactory, devicePool);
        var node = system.ActorOf(Props.Create(() => new MemberNode(setup)), MemberNode.Name);
        stopRequested?.ContinueWith(reason => node.Tell(new StopMemberPart(reason.Result)), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return outcome.Task.WaitAsync(cancel);
    }
}
