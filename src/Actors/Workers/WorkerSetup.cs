using Akka.Actor;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Workers;

/// <summary>
/// What a worker is built with (in-process construction arguments, never sent as a message).
/// <paramref name="Reducers"/> holds, per stage, where that stage's gradients go: the reducer, or a
/// relay in front of it.
/// </summary>
public sealed record WorkerSetup(
    int Rank,
    CdpSchedule Schedule,
    int TotalSteps,
    DelayCompensation Compensation,
    long RingEpoch,
    TrainingConfig Config,
    ModelDefinition Model,
    StagePartition Partition,
    Dataset Dataset,
    Func<int, MemoryLedger, IComputeBackend> BackendFactory,
    MemoryLedger ProcessLedger,
    IReadOnlyList<IActorRef> Reducers,
    TraceRecorder? Trace);
