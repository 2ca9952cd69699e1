using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// What a stage reducer is built with (in-process construction arguments). It publishes to the
/// actor selection <paramref name="WorkerSelection"/> (every sibling worker by default).
/// <paramref name="PublishMomentum"/> adds the momentum buffer to each publication, which
/// look-ahead compensation needs.
/// </summary>
public sealed record ReducerSetup(
    int Stage,
    int Workers,
    float[] InitialParameters,
    TrainingConfig Training,
    int TotalSteps,
    bool PublishMomentum,
    MemoryLedger ProcessLedger,
    TraceRecorder? Trace,
    string WorkerSelection = Coordination.ActorNames.AllSiblingWorkers);
