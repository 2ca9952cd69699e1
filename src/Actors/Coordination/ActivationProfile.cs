using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Coordination;

/// <summary>Sums the workers' per-tick activation peaks and sets them beside the schedule's prediction.</summary>
public static class ActivationProfile
{
    public static ActivationReport Build(CdpSchedule schedule, int totalSteps, IReadOnlyList<long> perStageBytes, IReadOnlyList<WorkerFinished> workers, long wallClockPeak)
    {
        var measured = new SortedDictionary<long, long>();
        foreach (var worker in workers)
        {
            for (int i = 0; i < worker.Ticks.Length; i++)
            {
                measured[worker.Ticks[i]] = measured.GetValueOrDefault(worker.Ticks[i]) + worker.ActivationPeakBytes[i];
            }
        }

        var profile = measured.Select(pair => new TickActivation(pair.Key, pair.Value, Predicted(schedule, totalSteps, perStageBytes, pair.Key))).ToArray();
        return new ActivationReport(
            perStageBytes,
            profile.Length == 0 ? 0 : profile.Max(t => t.MeasuredBytes),
            profile.Length == 0 ? 0 : profile.Max(t => t.PredictedBytes),
            wallClockPeak,
            profile);
    }

    /// <summary>
    /// Σ over workers that are running at <paramref name="tick"/> (started, and not past their last
    /// step) of the stages whose activations they hold, weighted by a_j. Equals
    /// <see cref="CdpSchedule.PredictedActivationBytes"/> except during the final drain, which the
    /// unbounded schedule does not have.
    /// </summary>
    public static long Predicted(CdpSchedule schedule, int totalSteps, IReadOnlyList<long> perStageBytes, long tick)
    {
        long bytes = 0;
        for (int worker = 0; worker < schedule.Workers; worker++)
        {
            if (schedule.OpAt(worker, tick) is not { } op || op.Step >= totalSteps)
            {
                continue;
            }

            for (int stage = 1; stage <= schedule.Stages; stage++)
            {
                if (schedule.HoldsActivation(worker, stage, tick))
                {
                    bytes += perStageBytes[stage - 1];
                }
            }
        }

        return bytes;
    }
}
