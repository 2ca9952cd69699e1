namespace CyclicActors.Actors.Schedule;

/// <summary>
/// Predicted profiles (cdp-method.md §4, §5) that the runtime's measurements are checked against.
/// Activation model: a micro-batch holds stage j's activations from its F_j through its B_j
/// inclusive, i.e. at phases j − 1 .. 2L − j of its 2L-tick cycle.
/// </summary>
public sealed partial class CdpSchedule
{
    /// <summary>The 2L ticks of the first steady-state cycle (every worker running), the window placements are planned over.</summary>
    public IEnumerable<long> SteadyCycleTicks() =>
        Enumerable.Range(0, CycleLength).Select(offset => SteadyStateStartTick + offset);

    /// <summary>Whether worker <paramref name="worker"/> holds stage <paramref name="stage"/>'s activations at <paramref name="tick"/>.</summary>
    public bool HoldsActivation(int worker, int stage, long tick)
    {
        CheckStage(stage);
        if (OpAt(worker, tick) is null)
        {
            return false;
        }

        var phase = (tick - ((long)worker * Delay)) % CycleLength;
        return phase >= stage - 1 && phase <= CycleLength - stage;
    }

    /// <summary>
    /// Σ_j holders_j(tick)·a_j: total activation bytes at <paramref name="tick"/>, given stage j's bytes
    /// per micro-batch at index j − 1. With <paramref name="steps"/>, the run ends after that many
    /// steps: a worker past its last step holds nothing (the drain at the end of a real run).
    /// </summary>
    public long PredictedActivationBytes(long tick, IReadOnlyList<long> perStageBytes, int? steps = null) =>
        PredictedActivationBytes(tick, perStageBytes, steps, Enumerable.Range(0, Workers));

    /// <summary>
    /// <see cref="PredictedActivationBytes(long, IReadOnlyList{long}, int?)"/> over the workers of one
    /// device only (<paramref name="workers"/>, e.g. a cluster member's ranks).
    /// </summary>
    public long PredictedActivationBytes(long tick, IReadOnlyList<long> perStageBytes, int? steps, IEnumerable<int> workers)
    {
        CheckPerStageBytes(perStageBytes);
        ArgumentNullException.ThrowIfNull(workers);
        long bytes = 0;
        foreach (var worker in workers)
        {
            if (OpAt(worker, tick) is not { } op || op.Step >= steps)
            {
                continue;
            }

            for (var stage = 1; stage <= Stages; stage++)
            {
                if (HoldsActivation(worker, stage, tick))
                {
                    bytes += perStageBytes[stage - 1];
                }
            }
        }

        return bytes;
    }

    /// <summary>
    /// The largest predicted activation total of a run of <paramref name="steps"/> steps over
    /// <paramref name="workers"/> (every worker when null): the memory the activations of one device
    /// need at most, warm-up and drain included.
    /// </summary>
    public long PredictedPeakActivationBytes(IReadOnlyList<long> perStageBytes, int steps, IEnumerable<int>? workers = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var ranks = (workers ?? Enumerable.Range(0, Workers)).ToArray();
        var lastTick = ((long)steps * CycleLength) + SteadyStateStartTick;
        long peak = 0;
        for (long tick = 0; tick < lastTick; tick++)
        {
            peak = Math.Max(peak, PredictedActivationBytes(tick, perStageBytes, steps, ranks));
        }

        return peak;
    }

    /// <summary>
    /// The most one worker holds during one of its ops, whatever the timing: over the 2L phases of its
    /// cycle, the activations it holds then plus the running op's workspace. Returns the activation and
    /// workspace parts at that op. N times this bounds any N workers; under DP, whose workers all run
    /// the same phase at a tick, it is the schedule's own peak.
    /// </summary>
    public (long Activations, long Workspace) MostHeldAtOneOp(IReadOnlyList<long> perStageActivationBytes, IReadOnlyList<long> perStageWorkspaceBytes)
    {
        CheckPerStageBytes(perStageActivationBytes);
        CheckPerStageBytes(perStageWorkspaceBytes);
        (long Activations, long Workspace) most = (0, 0);
        for (var phase = 0; phase < CycleLength; phase++)
        {
            long held = 0;
            for (var stage = 1; stage <= Stages; stage++)
            {
                held += phase >= stage - 1 && phase <= CycleLength - stage ? perStageActivationBytes[stage - 1] : 0;
            }

            long workspace = perStageWorkspaceBytes[(phase < Stages ? phase + 1 : CycleLength - phase) - 1];
            if (held + workspace > most.Activations + most.Workspace)
            {
                most = (held, workspace);
            }
        }

        return most;
    }

    private void CheckPerStageBytes(IReadOnlyList<long> perStageBytes)
    {
        ArgumentNullException.ThrowIfNull(perStageBytes);
        if (perStageBytes.Count != Stages)
        {
            throw new ArgumentException(
                $"Expected {Stages} per-stage byte counts, got {perStageBytes.Count}.", nameof(perStageBytes));
        }
    }
}
