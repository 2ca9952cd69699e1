using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Coordination;

/// <summary>Sums the workers' per-tick activation peaks and sets them beside the schedule's prediction.</summary>
public static class ActivationProfile
{
    public static ActivationReport Build(CdpSchedule schedule, int totalSteps, IReadOnlyList<long> perStageBytes, IReadOnlyList<WorkerFinished> workers, long wallClockPeak) =>
        Build(schedule, totalSteps, perStageBytes, [.. workers.Select(worker => (worker.Ticks, worker.ActivationPeakBytes))], wallClockPeak);

    /// <summary>From any holders of activations (workers, or the model placement's stage devices), each with its per-tick peaks.</summary>
    public static ActivationReport Build(CdpSchedule schedule, int totalSteps, IReadOnlyList<long> perStageBytes, IReadOnlyList<(long[] Ticks, long[] PeakBytes)> holders, long wallClockPeak)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(holders);
        var measured = new SortedDictionary<long, long>();
        foreach (var (ticks, peaks) in holders)
        {
            for (int i = 0; i < ticks.Length; i++)
            {
                measured[ticks[i]] = measured.GetValueOrDefault(ticks[i]) + peaks[i];
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
