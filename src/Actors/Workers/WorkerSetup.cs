using Akka.Actor;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Workers;

/// <summary>
/// What a worker is built with (in-process construction arguments, never sent as a message).
/// <paramref name="GradientTargets"/> holds, per stage, where that stage's gradients go: the
/// reducer, a relay in front of it, or the sender to a reducer on another node. <paramref name="Pacer"/>
/// is shared by the workers of its device: each op waits for it before it starts. <paramref name="Faults"/>:
/// where this worker kills its process or (with <paramref name="CutLinks"/>, a cluster node's) cuts its
/// node's links, to rehearse a failure (none by default). <paramref name="GradientBuffers"/>: where each
/// gradient's array is rented from (none: a new one per contribution).
/// </summary>
public sealed record WorkerSetup(
    int Rank,
    TrainingPlan Plan,
    long RingEpoch,
    MemoryLedger ProcessLedger,
    IReadOnlyList<IActorRef> GradientTargets,
    TraceRecorder? Trace,
    DevicePacer Pacer,
    FaultInjection? Faults = null,
    Action? CutLinks = null,
    Reduce.GradientBuffers? GradientBuffers = null);

/// <summary>
/// Local: where a worker sends what is not a gradient, given once all workers of the ring exist:
/// the next rank (its token; on another node, that worker's remote reference) and where its
/// per-micro-batch losses and its final report go. <paramref name="Ranks"/>: every rank's worker by
/// rank, where the ZeRO placement passes parameter batons (empty in the other placements).
/// </summary>
public sealed record WorkerWired(IActorRef NextRank, IActorRef Reports, IReadOnlyList<IActorRef> Ranks) : INoSerializationVerificationNeeded;
