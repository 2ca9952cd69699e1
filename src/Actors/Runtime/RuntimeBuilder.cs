using Akka.Actor;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Reduce;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Stages;
using CyclicActors.Actors.Tracing;
using CyclicActors.Actors.Workers;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Runtime;

/// <summary>
/// What one node builds of a run: the placement (which ranks and stages are this node's, from the
/// pure <see cref="NodePlanned"/>, a single node holding everything in a one-process run) and what
/// the actors share. <paramref name="CutLinks"/>: how this node cuts its cluster links when fault
/// injection asks (null in one process).
/// </summary>
public sealed record NodeBuild(
    TrainingPlan Plan,
    NodePlanned Placement,
    int SelfIndex,
    CyclicSettings Settings,
    MemoryLedger ProcessLedger,
    TraceRecorder? Trace,
    DevicePacer Pacer,
    long RingEpoch = 1,
    Action? CutLinks = null)
{
    /// <summary>Every rank and stage on one node: the placement of a one-process run.</summary>
    public static NodePlanned SingleNode(string node, int workers, int stages) => new([node], new int[workers], new int[stages]);

    public IEnumerable<int> LocalRanks => Enumerable.Range(0, Placement.RankOwners.Length).Where(rank => Placement.RankOwners[rank] == SelfIndex);

    public IEnumerable<int> LocalStages => Enumerable.Range(0, Placement.StageOwners.Length).Where(stage => Placement.StageOwners[stage] == SelfIndex);
}

/// <summary>The actors one node runs: its workers by rank, its reducers by stage, and where each stage's gradients go.</summary>
public sealed record NodeParts(
    IReadOnlyDictionary<int, IActorRef> Workers,
    IReadOnlyDictionary<int, IActorRef> Reducers,
    IReadOnlyList<IActorRef> GradientTargets);

/// <summary>
/// Builds a node's workers and reducers under one parent, and wires them with references: the one
/// way a run is put together, in one process (<see cref="Coordination.TrainingCoordinator"/>) and on
/// every cluster member (<see cref="Cluster.NodeTrainingHost"/>). Nothing on the hot path resolves
/// an actor by name: a worker sends each gradient to its stage's target, its token to the next
/// rank, its reports to one reference; a reducer publishes to a list of subscribers.
/// </summary>
public static class RuntimeBuilder
{
    /// <summary>
    /// Creates this node's reducers, then its workers, as children of <paramref name="context"/>'s
    /// actor. <paramref name="remoteGradientTarget"/> gives, for a stage whose reducer runs on another
    /// node, the local actor that sends gradients there (never called in a one-process run).
    /// </summary>
    public static NodeParts Build(IActorContext context, NodeBuild build, Func<int, IActorRef> remoteGradientTarget)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(remoteGradientTarget);
        var plan = build.Plan;
        var reducers = new Dictionary<int, IActorRef>();
        var targets = new IActorRef[plan.Schedule.Stages];
        foreach (var stage in build.LocalStages)
        {
            var reducerSetup = new ReducerSetup(stage, plan, build.ProcessLedger, build.Trace, build.Settings.Faults, build.CutLinks);
            var reducer = context.ActorOf(Props.Create(() => new ReducerActor(reducerSetup)).WithDispatcher(build.Settings.ReducerDispatcher), ActorNames.Reducer(stage));
            reducers[stage] = reducer;
            targets[stage] = plan.Options.ContributionShuffleSeed is { } seed
                ? context.ActorOf(Props.Create(() => new ContributionShuffler(reducer, plan.Schedule.Workers, seed + stage)), ActorNames.ContributionRelay(stage))
                : reducer;
        }

        for (var stage = 0; stage < targets.Length; stage++)
        {
            targets[stage] ??= remoteGradientTarget(stage);
        }

        var faults = build.Settings.Faults;
        if (faults.AtAnOp && faults.AtOp >= plan.Schedule.CycleLength)
        {
            throw new Akka.Configuration.ConfigurationException(
                $"cyclic-actors.fault-injection.at-op = {faults.AtOp}: a micro-batch has {plan.Schedule.CycleLength} ops (0 to {plan.Schedule.CycleLength - 1}), so it would never fire.");
        }

        var workers = new Dictionary<int, IActorRef>();
        foreach (var rank in build.LocalRanks)
        {
            var workerSetup = new WorkerSetup(rank, plan, build.RingEpoch, build.ProcessLedger, targets, build.Trace, build.Pacer, faults, build.CutLinks);
            workers[rank] = context.ActorOf(Props.Create(() => new WorkerActor(workerSetup)).WithDispatcher(build.Settings.WorkerDispatcher), ActorNames.Worker(rank));
        }

        return new NodeParts(workers, reducers, targets);
    }

    /// <summary>
    /// The model placement: one <see cref="StageDeviceActor"/> per device of the plan's
    /// <see cref="ModelPlacement"/> that <paramref name="local"/> says runs here (every device in one
    /// process), wired to each other by stage, with <paramref name="remoteStage"/> standing for a stage
    /// whose device runs on another node, and reporting to <paramref name="reports"/>. Returns this
    /// node's devices by device index.
    /// </summary>
    public static IReadOnlyDictionary<int, IActorRef> BuildStageDevices(IActorContext context, TrainingPlan plan, CyclicSettings settings, MemoryLedger processLedger,
        TraceRecorder? trace, IActorRef reports, Func<int, bool>? local = null, Func<int, IActorRef>? remoteStage = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(settings);
        var placement = plan.ModelPlacement;
        var devices = placement.Devices.Where(device => local?.Invoke(device.Device) ?? true).ToDictionary(device => device.Device, device =>
        {
            var setup = new StageDeviceSetup(device.Device, device.Stages, plan, processLedger, trace);
            return context.ActorOf(Props.Create(() => new StageDeviceActor(setup)).WithDispatcher(settings.WorkerDispatcher), ActorNames.StageDevice(device.Device));
        });
        IActorRef Of(int stage) => devices.TryGetValue(placement.DeviceOf(stage + 1), out var here) ? here
            : remoteStage?.Invoke(stage) ?? throw new InvalidOperationException($"Stage {stage}'s device runs on another node, and this one was given nothing that stands for it.");
        var wired = new StageDeviceWired([.. Enumerable.Range(0, plan.Schedule.Stages).Select(Of)], reports);
        foreach (var device in devices.Values)
        {
            device.Tell(wired);
        }

        return devices;
    }

    /// <summary>
    /// Tells every local worker its next rank (local, or <paramref name="remoteWorker"/> for a rank on
    /// another node) and where to report, and every local reducer its subscribers (and where its cuts go:
    /// the same place as the reports): this node's workers
    /// and <paramref name="remoteSubscribers"/> (one per other node that runs workers). Local messages
    /// from the parent, so they arrive before anything the parent sends later, such as the start.
    /// </summary>
    /// <param name="remoteBatonTarget">
    /// The ZeRO placement (null in the others): where this node sends a parameter baton or an owner's copy
    /// for a rank on another node (never called in one process, where every rank is local).
    /// </param>
    public static void Wire(NodeParts parts, int workers, Func<int, IActorRef> remoteWorker, IActorRef reports, IReadOnlyList<IActorRef> remoteSubscribers,
        Func<int, IActorRef>? remoteBatonTarget = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(remoteWorker);
        // Under ZeRO every rank may be a baton's next reader: a local worker, or what carries tensors to a remote one.
        IActorRef[] ranks = remoteBatonTarget is null
            ? []
            : [.. Enumerable.Range(0, workers).Select(rank => parts.Workers.TryGetValue(rank, out var local) ? local : remoteBatonTarget(rank))];
        foreach (var (rank, worker) in parts.Workers)
        {
            var next = (rank + 1) % workers;
            worker.Tell(new WorkerWired(parts.Workers.TryGetValue(next, out var local) ? local : remoteWorker(next), reports, ranks));
        }

        var subscribers = new ReducerWired([.. parts.Workers.OrderBy(pair => pair.Key).Select(pair => pair.Value), .. remoteSubscribers], Cuts: reports, Ranks: ranks);
        foreach (var reducer in parts.Reducers.Values)
        {
            reducer.Tell(subscribers);
        }
    }
}
