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

    /// <summary>Micro-batches holding stage <paramref name="stage"/>'s activations at <paramref name="tick"/>.</summary>
    public int ActivationHolders(long tick, int stage)
    {
        var holders = 0;
        for (var worker = 0; worker < Workers; worker++)
        {
            if (HoldsActivation(worker, stage, tick))
            {
                holders++;
            }
        }

        return holders;
    }

    /// <summary>Live activation units (one unit per held (micro-batch, stage)) at <paramref name="tick"/>, summed over workers.</summary>
    public int LiveActivationUnits(long tick)
    {
        var units = 0;
        for (var stage = 1; stage <= Stages; stage++)
        {
            units += ActivationHolders(tick, stage);
        }

        return units;
    }

    /// <summary>Σ_j holders_j(tick)·a_j: total activation bytes, given stage j's bytes per micro-batch at index j − 1.</summary>
    public long PredictedActivationBytes(long tick, IReadOnlyList<long> perStageBytes)
    {
        CheckPerStageBytes(perStageBytes);
        long bytes = 0;
        for (var stage = 1; stage <= Stages; stage++)
        {
            bytes += ActivationHolders(tick, stage) * perStageBytes[stage - 1];
        }

        return bytes;
    }

    /// <summary>The largest <see cref="PredictedActivationBytes"/> over ticks [fromTick, toTickExclusive).</summary>
    public long PeakActivationBytes(IReadOnlyList<long> perStageBytes, long fromTick, long toTickExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromTick);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(toTickExclusive, fromTick);
        long peak = 0;
        for (var tick = fromTick; tick < toTickExclusive; tick++)
        {
            peak = Math.Max(peak, PredictedActivationBytes(tick, perStageBytes));
        }

        return peak;
    }

    /// <summary>
    /// The peak over one full cycle after warm-up; the profile is 2L-periodic from then on, so this
    /// is the peak of any longer steady-state window. DP: N·Σa_j; CDP with N ≥ L: (N/L)·Σ(L−j+1)·a_j.
    /// </summary>
    public long SteadyStatePeakActivationBytes(IReadOnlyList<long> perStageBytes) =>
        PeakActivationBytes(perStageBytes, SteadyStateStartTick, SteadyStateStartTick + CycleLength);

    /// <summary>Backward ops at <paramref name="tick"/>: gradient contributions produced (one per (worker, stage)).</summary>
    public int BackwardOpsAtTick(long tick) => OpsAtTick(tick).Count(op => op.Kind == OpKind.Backward);

    /// <summary>
    /// The tick of the last B_j of <paramref name="step"/> (worker N − 1's), after which the stage's
    /// gradient for that step is complete: 2Lk + (N−1)δ + 2L − j.
    /// </summary>
    public long GradientCompletionTick(int step, int stage) => TickOf(step, Workers - 1, stage, OpKind.Backward);

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
