using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Workers;

/// <summary>What a worker's state says to do next.</summary>
public abstract record WorkerDecision;

/// <summary>
/// Run <paramref name="Op"/> (stage 1-based, as in the schedule) with stage parameters of
/// <paramref name="Version"/>. When <paramref name="LoadFirst"/> is set the actor first loads that
/// version into the replica's stage (as the look-ahead point when <paramref name="Lookahead"/>).
/// <paramref name="OpIndex"/> is the op's position 0..2L−1 in its micro-batch.
/// </summary>
public sealed record RunOp(ScheduledOp Op, int OpIndex, int Version, bool Lookahead, bool LoadFirst) : WorkerDecision
{
    public int StageIndex => Op.Stage - 1;

    public bool StartsMicroBatch => OpIndex == 0;
}

/// <summary>The token for <paramref name="Step"/> has not arrived (CDP only).</summary>
public sealed record WaitForToken(int Step) : WorkerDecision;

/// <summary>The reducer of stage <paramref name="StageIndex"/> (0-based) has not yet published <paramref name="Version"/>.</summary>
public sealed record WaitForParameters(int StageIndex, int Version) : WorkerDecision;

/// <summary>Every step has run.</summary>
public sealed record Finished : WorkerDecision;

/// <summary>
/// What completing an op changed: tokens to pass, parameter versions of the op's stage the worker
/// will never read again, and whether the micro-batch is done.
/// </summary>
public sealed record OpCompletion(IReadOnlyList<TokenRingEffect> TokenEffects, IReadOnlyList<int> DroppedVersions, bool MicroBatchFinished);
