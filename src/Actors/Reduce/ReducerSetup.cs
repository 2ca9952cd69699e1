using Akka.Actor;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// What a stage reducer is built with (in-process construction arguments). Each publication adds
/// the momentum buffer when the plan's compensation is look-ahead, which needs it.
/// <paramref name="Faults"/>: this node's fault injection (a kill or link cut at a publication);
/// <paramref name="CutLinks"/>: how the node cuts its links (null in one process).
/// <paramref name="Shard"/>: which of the stage's reducer shards this is (0 of 1 without shards).
/// <paramref name="Buffers"/>: where each folded contribution's array goes back to (none: left to the collector).
/// </summary>
public sealed record ReducerSetup(int Stage, TrainingPlan Plan, MemoryLedger ProcessLedger, TraceRecorder? Trace,
    Settings.FaultInjection? Faults = null, Action? CutLinks = null, int Shard = 0, GradientBuffers? Buffers = null);

/// <summary>
/// Local: who hears a reducer's publications, given once the workers exist: every worker of this
/// node, and one publication sender per other node that runs workers (each publication crosses to
/// a node once); and where its <see cref="Protocol.StageCut"/>s go (null where the run takes none).
/// <paramref name="Ranks"/>: every rank's worker by rank, to which the ZeRO placement sends each
/// version's first readers their copy instead of broadcasting to <paramref name="Subscribers"/>.
/// </summary>
public sealed record ReducerWired(IReadOnlyList<IActorRef> Subscribers, IActorRef? Cuts = null, IReadOnlyList<IActorRef>? Ranks = null) : INoSerializationVerificationNeeded;
