using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>Messages between the stage devices of the model placement (and their reports).</summary>
public interface IModelParallelMessage : ICyclicMessage;

/// <summary>
/// The output of stage <paramref name="Stage"/> − 1 for rank <paramref name="Rank"/>'s micro-batch of
/// <paramref name="Step"/>: the input of <paramref name="Stage"/> (0-based) on the device that runs it (host copy, float32).
/// </summary>
[MessagePackObject]
public sealed record ActivationPassed(
    [property: Key(0)] int Step,
    [property: Key(1)] int Rank,
    [property: Key(2)] int Stage,
    [property: Key(3)] float[] Values) : IModelParallelMessage;

/// <summary>
/// The gradient of the loss with respect to the output of stage <paramref name="Stage"/> (0-based) for
/// rank <paramref name="Rank"/>'s micro-batch of <paramref name="Step"/>, from the device of the next
/// stage; empty when no layer up to <paramref name="Stage"/> has parameters (nothing to propagate).
/// </summary>
[MessagePackObject]
public sealed record OutputGradientPassed(
    [property: Key(0)] int Step,
    [property: Key(1)] int Rank,
    [property: Key(2)] int Stage,
    [property: Key(3)] float[] Values) : IModelParallelMessage;

/// <summary>
/// Stage device <paramref name="Device"/> ran all its ops: per logical tick of them (ascending), the
/// peak of its live activation bytes during that tick's ops; the high-water of its parameter bytes
/// (masters, working copies); the ops that loaded a look-ahead point; its busy fraction measured as
/// time in ops over the time from its first op's start to its last op's end.
/// </summary>
[MessagePackObject]
public sealed record StageDeviceFinished(
    [property: Key(0)] int Device,
    [property: Key(1)] long[] Ticks,
    [property: Key(2)] long[] ActivationPeakBytes,
    [property: Key(3)] long ParameterPeakBytes,
    [property: Key(4)] int LookaheadOps,
    [property: Key(5)] double BusySeconds,
    [property: Key(6)] double SpanSeconds) : IModelParallelMessage;
