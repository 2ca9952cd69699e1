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

        var profile = measured.Select(pair => new TickActivation(pair.Key, pair.Value, schedule.PredictedActivationBytes(pair.Key, perStageBytes, totalSteps))).ToArray();
        return new ActivationReport(
            perStageBytes,
            profile.Length == 0 ? 0 : profile.Max(t => t.MeasuredBytes),
            profile.Length == 0 ? 0 : profile.Max(t => t.PredictedBytes),
            wallClockPeak,
            profile);
    }
}
