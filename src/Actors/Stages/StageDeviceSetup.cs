using Akka.Actor;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Stages;

/// <summary>
/// What device <paramref name="Device"/> of the model placement is built with (in-process construction
/// arguments): its 1-based, contiguous <paramref name="Stages"/> from <see cref="Schedule.ModelPlacement"/>.
/// </summary>
public sealed record StageDeviceSetup(int Device, IReadOnlyList<int> Stages, TrainingPlan Plan, MemoryLedger ProcessLedger, TraceRecorder? Trace);

/// <summary>
/// Local: where a stage device sends what it produces, given once every device exists:
/// <paramref name="DeviceOfStage"/>[j] is the device that runs stage j (0-based), for activations
/// and output gradients; losses, cuts and the final report go to <paramref name="Reports"/>.
/// </summary>
public sealed record StageDeviceWired(IReadOnlyList<IActorRef> DeviceOfStage, IActorRef Reports) : INoSerializationVerificationNeeded;
