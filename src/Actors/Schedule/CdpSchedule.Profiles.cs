namespace CyclicActors.Actors.Schedule;

/// <summary>
/// Predicted profiles (cdp-method.md §4, §5) that the runtime's measurements are checked against.
/// Activation model: a micro-batch holds stage j's activations from its F_j through its B_j
/// inclusive, i.e. at phases j − 1 .. 2L − j of its 2L-tick cycle.
/// </summary>
public sealed partial class CdpSchedule
{
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

    /// <summary>The most ops (forward or backward) of <paramref name="stage"/> that <paramref name="workers"/> run at one tick.</summary>
    public int MostOpsAtOnce(int stage, int steps, IEnumerable<int> workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stage, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stage, Stages);
        var ranks = workers.ToArray();
        long opsPerWorker = (long)Math.Max(steps, 1) * CycleLength;
        var lastTick = opsPerWorker + SteadyStateStartTick;
        int most = 0;
        for (long tick = 0; tick < lastTick; tick++)
        {
            int count = 0;
            foreach (var rank in ranks)
            {
                long index = tick - StartTick(0, rank);
                if (index >= 0 && index < opsPerWorker)
                {
                    int inCycle = (int)(index % CycleLength);
                    count += (inCycle < Stages ? inCycle + 1 : CycleLength - inCycle) == stage ? 1 : 0;
                }
            }

            most = Math.Max(most, count);
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
