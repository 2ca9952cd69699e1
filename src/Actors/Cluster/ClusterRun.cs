using Akka;
using Akka.Actor;
using Akka.Event;
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
    /// <summary>How many rounds the run took: 1, plus one per re-formation after a lost member.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>The world size trained with: --workers, or fewer after an elastic start.</summary>
    public int Workers => Plan.RankOwners.Length;
}

/// <summary>A cluster run lost a member and re-forms as <paramref name="Round"/> from the cut at <paramref name="Step"/>, admitting for up to <paramref name="ReplaceTimeout"/>.</summary>
public sealed record RunReformed(int Round, int Step, string Reason, TimeSpan ReplaceTimeout);

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
    /// When <paramref name="stopRequested"/> completes (a signal to the seed's process), or this node
    /// is removed from the cluster during the run (downed), the seed tells every member that
    /// contacted it the reason, and throws <see cref="OperationCanceledException"/> with that reason.
    /// </remarks>
    /// <exception cref="ArgumentException">min-workers is more than the workers wanted.</exception>
    /// <exception cref="TimeoutException">Members did not join (the message names who is missing) or build their part in time.</exception>
    /// <exception cref="InvalidOperationException">A member was lost during the run; or this node could not join its --seed-node, or joined a cluster that already has a coordinator (a second seed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="stopRequested"/> completed, or this node was removed from the cluster.</exception>
    public static async Task<ClusterRunResult> SeedAsync(ActorSystem system, ActorTrainingOptions options, Dataset train, float[] initialParameters,
        Action<StepMetrics>? onStep = null, CancellationToken cancel = default, ClusterProgressBoard? progress = null, Task<string>? stopRequested = null,
        Action<RunReformed>? onReformed = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        var cluster = ClusterNodeSettings.From(system.Settings.Config);
        if (cluster.MinWorkers > options.Training.Workers)
        {
            throw new ArgumentException($"min-workers {cluster.MinWorkers} (--min-workers or cyclic-actors.cluster.min-workers) is more than the {options.Training.Workers} workers wanted (--workers).");
        }

        var signalled = stopRequested ?? new TaskCompletionSource<string>().Task;
        await JoinedAsTheOnlyCoordinatorAsync(system, signalled, cancel).ConfigureAwait(false);
        // A seed the cluster downs (its own split-brain resolver included) can no longer finish the run: it says so rather than wait.
        var stopped = Task.WhenAny(signalled, RemovedFromTheClusterAsync(system)).Unwrap();
        var (identity, _) = SharedTrainingOptions.Identify(options.Training, train);
        var totalSteps = options.Training.TotalSteps(new DataOrder(options.Training.Seed, train.Count, options.Training.MicroBatch, options.Training.Workers).StepsPerEpoch);
        // The seed keeps the newest cut to roll back to: the reducers send one every cut-every steps
        // (or at each checkpoint) when a lost member re-forms the run rather than ending it.
        var latest = new LatestCut(options.Resume);
        var userOnCut = options.OnCut;
        options = options with
        {
            CutEvery = options.CutEvery > 0 || !cluster.ContinueOnMemberLoss ? options.CutEvery : cluster.CutEvery,
            OnCut = cut =>
            {
                latest.Keep(cut);
                userOnCut?.Invoke(cut);
            },
        };
        var shared = SharedTrainingOptions.From(options) with { ContinueOnMemberLoss = cluster.ContinueOnMemberLoss };
        var ready = new TaskCompletionSource<SessionReady>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = new TaskCompletionSource<MemberLoss>(TaskCreationOptions.RunContinuationsAsynchronously);
        var statistics = new TaskCompletionSource<IReadOnlyList<NodeStatistics>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var traces = new TaskCompletionSource<GatheredTraces>(TaskCreationOptions.RunContinuationsAsynchronously);
        var setup = new SessionSetup(shared, identity, cluster.JoinTimeout, cluster.JoinTimeout, ready, lost, statistics,
            progress ?? new ClusterProgressBoard(), cluster.TraceTimeout, traces, cluster.MinWorkers, options.Resume);
        CoordinatorSingleton.Start(system, Props.Create(() => new ClusterTrainingSession(setup)));
        var session = CoordinatorSingleton.Proxy(system, "seed-session-proxy");

        var skipped = new HashSet<int>(options.SkippedSteps);
        for (int round = 0, losses = 0; ; round++)
        {
            var placed = await PlacedOrLostAsync(ready.Task, lost.Task, stopped, session, cancel).ConfigureAwait(false);
            // An elastic start, or a run that shrank, trains with fewer workers: data order, schedule and steps follow the plan's N.
            var workers = placed.Plan.RankOwners.Length;
            var roundOptions = options with
            {
                Training = round == 0 ? options.Training with { Workers = workers } : options.Training with { Workers = workers, Epochs = 10_000, MaxSteps = totalSteps },
                Resume = latest.Cut?.ForWorkers(workers),
                SkippedSteps = new HashSet<int>(skipped),
            };
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            // The members record the trace; the coordinator here would only sample the seed's empty activation ledger.
            var training = ActorTrainer.RunPlacedAsync(system, roundOptions with { TracePath = null }, train, initialParameters, placed.Placement,
                coordinator => session.Tell(new CoordinatorRunning(coordinator)), onStep, stop.Token);
            try
            {
                var first = await Task.WhenAny(training, lost.Task, stopped).ConfigureAwait(false);
                if (first == stopped)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    throw new OperationCanceledException(stopped.Result);
                }

                if (LossOrStall(first, training, lost.Task) is { } loss)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    if (loss.NonFiniteStep is { } bad)
                    {
                        // Not a loss to retry: the same step would be bad again. With skip, every stage skips it from the cut before it.
                        if (options.OnNonFinite != NonFiniteAction.Skip || skipped.Contains(bad) || skipped.Count >= ActorTrainer.MaxSkippedSteps)
                        {
                            throw new InvalidOperationException(loss.Reason);
                        }

                        skipped.Add(bad);
                        latest.RollBackTo(bad);
                    }
                    else if (!cluster.ContinueOnMemberLoss || !loss.Recoverable || losses++ >= cluster.MaxRestarts)
                    {
                        throw new InvalidOperationException(losses == 0 || !loss.Recoverable ? loss.Reason : $"{loss.Reason} (the run had re-formed {losses - 1} times; cyclic-actors.cluster.max-restarts = {cluster.MaxRestarts})");
                    }

                    await Task.WhenAny(training).ConfigureAwait(false); // cancelled (or stalled): the coordinator stops before the next round's starts
                    var (cut, reason) = (latest.Cut, loss.Reason);
                    (ready, lost) = (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));
                    system.Log.Warning("{0} The run re-forms (round {1}) from the cut at step {2}: the survivors roll back to it, and a member joining within {3} takes the lost ranks.",
                        reason, round + 1, cut?.Step ?? 0, cluster.ReplaceTimeout);
                    session.Tell(new RestartRound(round + 1, cut, shared with { ResumeStep = cut?.Step ?? 0, Round = round + 1, Epochs = 10_000, MaxSteps = totalSteps, SkippedSteps = [.. skipped.Order()] },
                        cluster.ReplaceTimeout, reason, ready, lost));
                    onReformed?.Invoke(new RunReformed(round + 1, cut?.Step ?? 0, reason, cluster.ReplaceTimeout));
                    continue;
                }

                var result = await training.ConfigureAwait(false);
                session.Tell(new EndTraining(true, $"trained {result.Outcome.Steps} steps."));
                var nodes = await UnlessStoppedAsync(statistics.Task.WaitAsync(TimeSpan.FromSeconds(30), cancel), stopped).ConfigureAwait(false);
                if (options.TracePath is null)
                {
                    return new ClusterRunResult(result with { SkippedSteps = [.. skipped.Order()] }, nodes, placed.Plan, []) { Rounds = round + 1 };
                }

                // The session gives up on missing traces after the trace timeout; the margin covers its timer.
                var gathered = await UnlessStoppedAsync(traces.Task.WaitAsync(cluster.TraceTimeout + TimeSpan.FromSeconds(10), cancel), stopped).ConfigureAwait(false);
                if (stopped.IsCompleted)
                {
                    throw new OperationCanceledException(stopped.Result); // a stopped seed writes nothing
                }

                TraceMerge.Write(options.TracePath, gathered.Traces);
                return new ClusterRunResult(result with { TracePath = options.TracePath, SkippedSteps = [.. skipped.Order()] }, nodes, placed.Plan, gathered.Missing) { Rounds = round + 1 };
            }
            catch (Exception e)
            {
                await EndRunAsync(session, e.Message).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// What ends a round without ending the run: a lost member; a stall (no micro-batch for the stall
    /// timeout: a lost message or a stuck node), which every member survives and re-forms from; or a
    /// NaN or infinite value at a step, caught by the seed's coordinator (a member's reducer reports
    /// its own through the member's failure).
    /// </summary>
    private static MemberLoss? LossOrStall(Task first, Task training, Task<MemberLoss> lost)
    {
        if (first == lost)
        {
            return lost.Result;
        }

        if (first != training || training.Exception?.InnerException is not { } error)
        {
            return null;
        }

        return error is Coordination.RunStalledException
            ? new MemberLoss(error.Message, Recoverable: true)
            : NonFiniteActionNames.StepOf(error) is { } step ? new MemberLoss(error.Message, Recoverable: true, NonFiniteStep: step) : null;
    }

    /// <summary>
    /// The cuts the coordinator handed over (its thread writes, the run loop reads): the newest, and
    /// the newest at or before a step, for a rollback past a step that turned out bad.
    /// </summary>
    private sealed class LatestCut(TrainingCut? initial)
    {
        private readonly object _gate = new();
        private readonly List<TrainingCut> _cuts = initial is null ? [] : [initial];

        public TrainingCut? Cut
        {
            get
            {
                lock (_gate)
                {
                    return _cuts.Count == 0 ? null : _cuts[^1];
                }
            }
        }

        public void Keep(TrainingCut cut)
        {
            lock (_gate)
            {
                // Two are enough: a bad step stops its own fold, so at most the newest cut can lie past it.
                _cuts.Add(cut);
                if (_cuts.Count > 2)
                {
                    _cuts.RemoveAt(0);
                }
            }
        }

        /// <summary>Drops the cuts after <paramref name="step"/>: the run goes back to the newest at or before it.</summary>
        public void RollBackTo(int step)
        {
            lock (_gate)
            {
                _cuts.RemoveAll(cut => cut.Step > step);
            }
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

    /// <summary>Completes, with the reason, when this node is removed from the cluster or its system terminates.</summary>
    private static Task<string> RemovedFromTheClusterAsync(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var reason = $"the seed {cluster.SelfAddress} was removed from the cluster during the run, so no result was written: the split-brain resolver downs nodes that stop hearing each other's heartbeats "
            + $"for {cluster.Settings.FailureDetectorConfig.GetTimeSpan("acceptable-heartbeat-pause", null).TotalSeconds:0.#} s (akka.cluster.failure-detector.acceptable-heartbeat-pause), as when a saturated link queues them behind tensors";
        var removed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberRemoved(() => removed.TrySetResult(reason));
        system.WhenTerminated.ContinueWith(_ => removed.TrySetResult(reason), TaskScheduler.Default);
        return removed.Task;
    }

    /// <summary>
    /// Waits until the members built their part. A member that fails meanwhile (its part could not
    /// start) says why; that reason wins over the setup's own error, which would only say that its
    /// actors could not be reached.
    /// </summary>
    private static async Task<SessionReady> PlacedOrLostAsync(Task<SessionReady> ready, Task<MemberLoss> lost, Task<string> stopped, IActorRef session, CancellationToken cancel)
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
            await EndRunAsync(session, lost.Result.Reason).ConfigureAwait(false);
            throw new InvalidOperationException(lost.Result.Reason);
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
        Func<MemoryLedger, IComputeBackend>? reducerBackendFactory = null, IDevicePool? devicePool = null,
        Func<MemoryLedger, (IComputeBackend Backend, IDevicePool Pool)>? warmUpBackend = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var outcome = new TaskCompletionSource<MemberOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var setup = new MemberNodeSetup(workers, loadData, CyclicSettings.From(system.Settings.Config), TimeSpan.FromSeconds(2), outcome, backendFactory, onAdmitted, reducerBackendFactory, devicePool,
            warmUpBackend);
        var node = system.ActorOf(Props.Create(() => new MemberNode(setup)), MemberNode.Name);
        stopRequested?.ContinueWith(reason => node.Tell(new StopMemberPart(reason.Result)), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return outcome.Task.WaitAsync(cancel);
    }
}
