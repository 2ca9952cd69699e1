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
    /// <summary>Every rank and stage (and every reducer shard) on one node: the placement of a one-process run.</summary>
    public static NodePlanned SingleNode(string node, int workers, int stages, int shards = 1) =>
        new([node], new int[workers], new int[stages]) { ShardOwners = shards == 1 ? [] : new int[stages * shards] };

    /// <summary>
    /// The node's reused gradient arrays, shared by its workers, gradient splitters, reducers and
    /// incoming gradient inbox: at most two steps' hand-offs of the whole run are kept.
    /// </summary>
    public GradientBuffers GradientBuffers { get; } = new(2 * Plan.Schedule.Workers * Plan.Schedule.Stages * Math.Max(1, Placement.ReducerShards));

    public IEnumerable<int> LocalRanks => Enumerable.Range(0, Placement.RankOwners.Length).Where(rank => Placement.RankOwners[rank] == SelfIndex);

    /// <summary>The reducers (stage, shard) this node runs; shard 0 of each of its stages without shards.</summary>
    public IEnumerable<(int Stage, int Shard)> LocalReducers =>
        from stage in Enumerable.Range(0, Placement.StageOwners.Length)
        from shard in Enumerable.Range(0, Placement.ReducerShards)
        where Placement.OwnerOf(stage, shard) == SelfIndex
        select (stage, shard);
}

/// <summary>
/// The actors one node runs: its workers by rank, its reducers by stage (by
/// <see cref="ReducerShards.WireStage"/> of stage and shard when the run shards them), and where each
/// stage's gradients go. <paramref name="Assembler"/>: with reducer shards, what joins each version's
/// slices for this node's workers (every shard publishes to it); null without.
/// </summary>
public sealed record NodeParts(
    IReadOnlyDictionary<int, IActorRef> Workers,
    IReadOnlyDictionary<int, IActorRef> Reducers,
    IReadOnlyList<IActorRef> GradientTargets,
    IActorRef? Assembler = null);

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
    /// actor. <paramref name="remoteGradientTarget"/> gives, for a stage (and shard) whose reducer runs
    /// on another node, the local actor that sends gradients there (never called in a one-process run).
    /// With reducer shards each stage's gradients go to a <see cref="GradientSplitter"/>, and a
    /// <see cref="PublicationAssembler"/> joins the shards' publications for this node's workers.
    /// </summary>
    public static NodeParts Build(IActorContext context, NodeBuild build, Func<int, int, IActorRef> remoteGradientTarget)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(remoteGradientTarget);
        var plan = build.Plan;
        var shards = build.Placement.ReducerShards;
        if (shards != plan.Options.ReducerShards)
        {
            throw new InvalidOperationException($"The placement splits each stage reducer {shards} ways and the options {plan.Options.ReducerShards}.");
        }

        var reducers = new Dictionary<int, IActorRef>();
        var shardTargets = new IActorRef[plan.Schedule.Stages, shards];
        foreach (var (stage, shard) in build.LocalReducers)
        {
            var reducerSetup = new ReducerSetup(stage, plan, build.ProcessLedger, build.Trace, build.Settings.Faults, build.CutLinks, shard, build.GradientBuffers);
            var name = ActorNames.Reducer(stage, shard, shards);
            var reducer = context.ActorOf(Props.Create(() => new ReducerActor(reducerSetup)).WithDispatcher(build.Settings.ReducerDispatcher), name);
            reducers[ReducerShards.WireStage(stage, shard)] = reducer;
            shardTargets[stage, shard] = plan.Options.ContributionShuffleSeed is { } seed
                ? context.ActorOf(Props.Create(() => new ContributionShuffler(reducer, plan.Schedule.Workers, seed + stage)), ActorNames.ContributionRelay(stage) + name[ActorNames.Reducer(stage).Length..])
                : reducer;
        }

        var targets = new IActorRef[plan.Schedule.Stages];
        for (var stage = 0; stage < targets.Length; stage++)
        {
            for (var shard = 0; shard < shards; shard++)
            {
                shardTargets[stage, shard] ??= remoteGradientTarget(stage, shard);
            }

            IActorRef[] ofStage = [.. Enumerable.Range(0, shards).Select(shard => shardTargets[stage, shard])];
            var buffers = build.GradientBuffers;
            targets[stage] = shards == 1 ? ofStage[0] : context.ActorOf(Props.Create(() => new GradientSplitter(ofStage, buffers)), ActorNames.GradientSplitter(stage));
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
            var workerSetup = new WorkerSetup(rank, plan, build.RingEpoch, build.ProcessLedger, targets, build.Trace, build.Pacer, faults, build.CutLinks, build.GradientBuffers);
            workers[rank] = context.ActorOf(Props.Create(() => new WorkerActor(workerSetup)).WithDispatcher(build.Settings.WorkerDispatcher), ActorNames.Worker(rank));
        }

        IActorRef? assembler = null;
        if (shards > 1)
        {
            long[] stageSizes = [.. plan.InitialStageParameters.Select(stage => (long)stage.Length)];
            IActorRef[] local = [.. workers.OrderBy(pair => pair.Key).Select(pair => pair.Value)];
            assembler = context.ActorOf(Props.Create(() => new PublicationAssembler(stageSizes, shards, local)), ActorNames.PublicationAssembler);
        }

        return new NodeParts(workers, reducers, targets, assembler);
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

        // With reducer shards, this node's workers hear each version once it is whole, from the assembler.
        IActorRef[] hearers = parts.Assembler is { } assembler ? [assembler] : [.. parts.Workers.OrderBy(pair => pair.Key).Select(pair => pair.Value)];
        var subscribers = new ReducerWired([.. hearers, .. remoteSubscribers], Cuts: reports, Ranks: ranks);
        foreach (var reducer in parts.Reducers.Values)
        {
            reducer.Tell(subscribers);
        }
    }
}
