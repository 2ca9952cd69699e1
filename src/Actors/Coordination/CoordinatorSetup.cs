using Akka.Actor;
using CyclicActors.Actors.Memory;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Coordination;

/// <summary>
/// What the coordinator is built with (in-process construction arguments). With a
/// <paramref name="Placement"/> (cluster runs) the workers and reducers already run, wired, on
/// member nodes and the coordinator drives those instead of building its own.
/// </summary>
public sealed record CoordinatorSetup(
    TrainingPlan Plan,
    CyclicSettings Settings,
    MemoryLedger ProcessLedger,
    ActivationSampler Sampler,
    TraceRecorder? Trace,
    Action<StepMetrics>? OnStep,
    TaskCompletionSource<CoordinatorReport> Completion,
    CoordinatorPlacement? Placement = null);

/// <summary>Cluster hook: the workers (by rank) and reducers (by stage) placed on member nodes.</summary>
public sealed record CoordinatorPlacement(IReadOnlyList<IActorRef> Workers, IReadOnlyList<IActorRef> Reducers);

/// <summary>What the coordinator hands back when every reducer reported its final state.</summary>
public sealed record CoordinatorReport(
    IReadOnlyList<FinalStageState> Stages,
    IReadOnlyList<WorkerFinished> Workers,
    float FinalLoss,
    double WallSeconds)
{
    /// <summary>The model placement's stage devices' reports; empty in the other placements.</summary>
    public IReadOnlyList<StageDeviceFinished> Devices { get; init; } = [];
}
