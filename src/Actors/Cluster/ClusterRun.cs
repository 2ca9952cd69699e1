using Akka.Actor;
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
    /// <exception cref="ArgumentException">min-workers is more than the workers wanted.</exception>
    /// <exception cref="TimeoutException">Members did not join (the message names who is missing) or build their part in time.</exception>
    /// <exception cref="InvalidOperationException">A member was lost during the run.</exception>
    public static async Task<ClusterRunResult> SeedAsync(ActorSystem system, ActorTrainingOptions options, Dataset train, float[] initialParameters,
        Action<StepMetrics>? onStep = null, CancellationToken cancel = default, ClusterProgressBoard? progress = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        var cluster = ClusterNodeSettings.From(system.Settings.Config);
        if (cluster.MinWorkers > options.Training.Workers)
        {
            throw new ArgumentException($"min-workers {cluster.MinWorkers} (--min-workers or cyclic-actors.cluster.min-workers) is more than the {options.Training.Workers} workers wanted (--workers).");
        }

        var (identity, _) = SharedTrainingOptions.Identify(options.Training, train);
        var ready = new TaskCompletionSource<SessionReady>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var statistics = new TaskCompletionSource<IReadOnlyList<NodeStatistics>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var traces = new TaskCompletionSource<GatheredTraces>(TaskCreationOptions.RunContinuationsAsynchronously);
        var setup = new SessionSetup(SharedTrainingOptions.From(options), identity, cluster.JoinTimeout, cluster.JoinTimeout, ready, lost, statistics,
            progress ?? new ClusterProgressBoard(), cluster.TraceTimeout, traces, cluster.MinWorkers);
        CoordinatorSingleton.Start(system, Props.Create(() => new ClusterTrainingSession(setup)));
        var session = CoordinatorSingleton.Proxy(system, "seed-session-proxy");

        var placed = await PlacedOrLostAsync(ready.Task, lost.Task, session, cancel).ConfigureAwait(false);
        // An elastic start trains with fewer workers: data order, schedule and steps follow the plan's N.
        options = options with { Training = options.Training with { Workers = placed.Plan.RankOwners.Length } };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // The members record the trace; the coordinator here would only sample the seed's empty activation ledger.
        var training = ActorTrainer.RunPlacedAsync(system, options with { TracePath = null }, train, initialParameters, placed.Placement,
            coordinator => session.Tell(new CoordinatorRunning(coordinator)), onStep, stop.Token);
        try
        {
            if (await Task.WhenAny(training, lost.Task).ConfigureAwait(false) == lost.Task)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw new InvalidOperationException(lost.Task.Result);
            }

            var result = await training.ConfigureAwait(false);
            session.Tell(new EndTraining(true, $"trained {result.Outcome.Steps} steps."));
            var nodes = await statistics.Task.WaitAsync(TimeSpan.FromSeconds(30), cancel).ConfigureAwait(false);
            if (options.TracePath is null)
            {
                return new ClusterRunResult(result, nodes, placed.Plan, []);
            }

            // The session gives up on missing traces after the trace timeout; the margin covers its timer.
            var gathered = await traces.Task.WaitAsync(cluster.TraceTimeout + TimeSpan.FromSeconds(10), cancel).ConfigureAwait(false);
            TraceMerge.Write(options.TracePath, gathered.Traces);
            return new ClusterRunResult(result with { TracePath = options.TracePath }, nodes, placed.Plan, gathered.Missing);
        }
        catch (Exception e)
        {
            session.Tell(new EndTraining(false, e.Message));
            throw;
        }
    }

    /// <summary>
    /// Waits until the members built their part. A member that fails meanwhile (its part could not
    /// start) says why; that reason wins over the setup's own error, which would only say that its
    /// actors could not be reached.
    /// </summary>
    private static async Task<SessionReady> PlacedOrLostAsync(Task<SessionReady> ready, Task<string> lost, IActorRef session, CancellationToken cancel)
    {
        if (await Task.WhenAny(ready, lost).WaitAsync(cancel).ConfigureAwait(false) == ready && !ready.IsCompletedSuccessfully)
        {
            await Task.WhenAny(lost, Task.Delay(TimeSpan.FromSeconds(3), cancel)).ConfigureAwait(false);
        }

        if (lost.IsCompleted && !ready.IsCompletedSuccessfully)
        {
            session.Tell(new EndTraining(false, lost.Result));
            throw new InvalidOperationException(lost.Result);
        }

        return await ready.ConfigureAwait(false);
    }

    /// <summary>
    /// Takes part with <paramref name="workers"/> workers on this node's own data until the seed ends
    /// the run (0 workers: a reducer-only member, which needs the reducer cluster role);
    /// <paramref name="onAdmitted"/> hears the ranks it was given.
    /// </summary>
    public static Task<MemberOutcome> MemberAsync(ActorSystem system, int workers, Func<Dataset> loadData, CancellationToken cancel = default,
        Func<int, MemoryLedger, IComputeBackend>? backendFactory = null, Action<int[]>? onAdmitted = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var outcome = new TaskCompletionSource<MemberOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var setup = new MemberNodeSetup(workers, loadData, CyclicSettings.From(system.Settings.Config), TimeSpan.FromSeconds(2), outcome, backendFactory, onAdmitted);
        system.ActorOf(Props.Create(() => new MemberNode(setup)), MemberNode.Name);
        return outcome.Task.WaitAsync(cancel);
    }
}
