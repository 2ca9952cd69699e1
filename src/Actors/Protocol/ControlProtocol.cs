using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>Messages between the coordinator and the workers and reducers it runs.</summary>
public interface IControlMessage : ICyclicMessage;

/// <summary>Begin training: reducers publish θ_0, workers start their schedule.</summary>
[MessagePackObject]
public sealed record StartTraining([property: Key(0)] long RingEpoch) : IControlMessage;

/// <summary>A worker finished its micro-batch of <paramref name="Step"/> with this mean loss.</summary>
[MessagePackObject]
public sealed record MicroBatchCompleted(
    [property: Key(0)] int Step,
    [property: Key(1)] int Rank,
    [property: Key(2)] float Loss) : IControlMessage;

/// <summary>
/// A worker ran all its steps. Per logical tick of its ops (ascending), the peak of its own live
/// activation bytes during that op; and how many ops used a parameter version other than the
/// rule's (must be 0).
/// </summary>
[MessagePackObject]
public sealed record WorkerFinished(
    [property: Key(0)] int Rank,
    [property: Key(1)] long[] Ticks,
    [property: Key(2)] long[] ActivationPeakBytes,
    [property: Key(3)] int VersionViolations,
    [property: Key(4)] int LookaheadOps) : IControlMessage
{
    /// <summary>The high-water of the worker's device bytes holding stage parameters.</summary>
    [Key(5)]
    public long ParameterPeakBytes { get; init; }

    /// <summary>Parameter (and momentum) bytes the worker received from the stages' owners.</summary>
    [Key(6)]
    public long ParameterBytesFromOwners { get; init; }

    /// <summary>Parameter (and momentum) bytes it received from each rank (ZeRO batons), indexed by rank.</summary>
    [Key(7)]
    public long[] ParameterBytesFromRanks { get; init; } = [];
}

/// <summary>Asks a reducer for its state once it has folded <paramref name="Steps"/> steps.</summary>
[MessagePackObject]
public sealed record FinalStateRequested([property: Key(0)] int Steps) : IControlMessage;

/// <summary>
/// A reducer's master parameters and momentum after its last step, with its own counters: the
/// contributions it folded (N per step it folded, this round) and those it refused as second copies.
/// </summary>
[MessagePackObject]
public sealed record FinalStageState(
    [property: Key(0)] int Stage,
    [property: Key(1)] int Version,
    [property: Key(2)] float[] Parameters,
    [property: Key(3)] float[] Momentum,
    [property: Key(4)] long ContributionsFolded = 0,
    [property: Key(5)] long DuplicatesRefused = 0) : IControlMessage
{
    /// <summary>With reducer shards: the shard whose slice this is (0 otherwise).</summary>
    [Key(6)]
    public int Shard { get; init; }
}

/// <summary>
/// A stage's share of a consistent cut at step boundary <paramref name="Step"/> (every step before it
/// folded): everything the steps from <paramref name="Step"/> on read of this stage. θ_Step and the
/// momentum buffer after Step updates; under a CDP rule (which reads θ_{Step−1}) and Step ≥ 1 also
/// θ_{Step−1} and, with look-ahead, the momentum published with it; with look-ahead every rank's
/// gradient of step Step − 1 (a stale forward of step Step builds its point from it). Empty arrays
/// where the rule does not read them. A reducer takes it while it folds step Step − 1, from what it
/// holds then, so taking it stops no worker.
/// </summary>
[MessagePackObject]
public sealed record StageCut(
    [property: Key(0)] int Stage,
    [property: Key(1)] int Step,
    [property: Key(2)] float[] Parameters,
    [property: Key(3)] float[] Momentum,
    [property: Key(4)] float[] PreviousParameters,
    [property: Key(5)] float[] PreviousMomentum,
    [property: Key(6)] float[][] LastGradients) : IControlMessage
{
    /// <summary>With reducer shards: the shard whose slice of the stage's cut this is (0 otherwise).</summary>
    [Key(7)]
    public int Shard { get; init; }
}
