using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Coordination;

/// <summary>What an actor run reports: the training outcome and the memory and version checks.</summary>
/// <param name="Outcome">Final master parameters (model order) and momentum, losses, timing.</param>
/// <param name="Activations">Measured and predicted activation memory.</param>
/// <param name="VersionViolations">Ops that used a parameter version other than the rule's; 0 in a correct run.</param>
/// <param name="LookaheadOps">Stage loads at a look-ahead point (0 without compensation).</param>
/// <param name="TracePath">The Chrome trace written, or null.</param>
public sealed record ActorTrainingResult(
    TrainingOutcome Outcome,
    ActivationReport Activations,
    int VersionViolations,
    int LookaheadOps,
    string? TracePath)
{
    /// <summary>The high-water of the bytes the process's device pool held during training (workers and reducers); null when no pool was given.</summary>
    public long? ReservedPeakBytes { get; init; }

    /// <summary>On a GPU, the highest sampled device-wide use during training (cuMemGetInfo total − free: every allocator and process); null on the CPU.</summary>
    public long? DeviceUsedPeakBytes { get; init; }

    /// <summary>Steps no stage applied (--on-nonfinite skip met a NaN or infinite value there, or the options named them), in order.</summary>
    public IReadOnlyList<int> SkippedSteps { get; init; } = [];

    /// <summary>The reducers' own counts of the contributions they folded and refused (the run's last round when it re-formed).</summary>
    public ContributionCounts Contributions { get; init; } = ContributionCounts.None;

    /// <summary>Per tag, the high-water of the bytes handed out to this process's workers and reducers (the ledger's view, beside the pool's).</summary>
    public IReadOnlyDictionary<MemoryTag, long> LedgerPeakBytes { get; init; } = new Dictionary<MemoryTag, long>();

    /// <summary>The workers' own parameter high-waters and the parameter bytes that reached them, by link (empty when no worker ran, as in the model placement).</summary>
    public ParameterTraffic Parameters { get; init; } = ParameterTraffic.None;

    /// <summary>The model placement's stage devices, in device order (empty in the other placements).</summary>
    public IReadOnlyList<StageDeviceUse> Devices { get; init; } = [];
}

/// <summary>
/// What one stage device of the model placement did: its stages (1-based), its measured activation peak
/// over ticks beside <see cref="Schedule.ModelPlacement.PeakActivationBytes"/>'s prediction, its parameter
/// high-water (masters and working copies), and how busy it was: <paramref name="TickBusyFraction"/>, the
/// logical ticks at which it ran an op over the ticks from its first op to its last (1 when it works
/// every tick), and <paramref name="BusyFraction"/>, wall-clock time in ops over the same span (below the
/// tick figure when its stages are lighter than the slowest device's, or when devices share cores).
/// </summary>
public sealed record StageDeviceUse(int Device, int[] Stages, long MeasuredActivationPeakBytes, long PredictedActivationPeakBytes, long ParameterPeakBytes, double BusyFraction, int PeakOpsPerTick,
    double TickBusyFraction)
{
    public static StageDeviceUse From(Protocol.StageDeviceFinished finished, Planning.TrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(finished);
        ArgumentNullException.ThrowIfNull(plan);
        var placed = plan.ModelPlacement.Devices[finished.Device];
        return new StageDeviceUse(finished.Device, placed.Stages, finished.ActivationPeakBytes.DefaultIfEmpty(0).Max(), plan.ModelPlacement.PeakActivationBytes(finished.Device, plan.PerStageActivationBytes),
            finished.ParameterPeakBytes, finished.SpanSeconds > 0 ? finished.BusySeconds / finished.SpanSeconds : 0, placed.PeakOpsPerTick,
            finished.Ticks.Length == 0 ? 0 : (double)finished.Ticks.Length / (finished.Ticks[^1] - finished.Ticks[0] + 1));
    }
}

/// <summary>
/// Per rank r: <paramref name="WorkerPeakBytes"/>[r], the high-water of its device bytes holding stage
/// parameters; <paramref name="FromOwnerBytes"/>[r], the parameter and momentum bytes it received from
/// the stages' owners; <paramref name="FromRankBytes"/>[r][s], those it received from rank s (ZeRO batons).
/// </summary>
public sealed record ParameterTraffic(long[] WorkerPeakBytes, long[] FromOwnerBytes, long[][] FromRankBytes)
{
    public static readonly ParameterTraffic None = new([], [], []);

    /// <summary>All parameter bytes that crossed an owner-to-worker or worker-to-worker link.</summary>
    public long TotalBytes => FromOwnerBytes.Sum() + FromRankBytes.Sum(row => row.Sum());

    public static ParameterTraffic From(IEnumerable<Protocol.WorkerFinished> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        var byRank = workers.OrderBy(worker => worker.Rank).ToArray();
        return new ParameterTraffic([.. byRank.Select(w => w.ParameterPeakBytes)], [.. byRank.Select(w => w.ParameterBytesFromOwners)], [.. byRank.Select(w => w.ParameterBytesFromRanks)]);
    }
}

/// <summary>
/// What the reducers counted: <paramref name="Folded"/> contributions folded and
/// <paramref name="RefusedTwice"/> second copies dropped, summed over stages, against the
/// <paramref name="Expected"/> N per step and stage of the steps the run (or its last round) trained.
/// </summary>
public sealed record ContributionCounts(long Expected, long Folded, long RefusedTwice)
{
    public static readonly ContributionCounts None = new(0, 0, 0);

    /// <summary>Contributions a step needed but no reducer folded: 0 in a completed run.</summary>
    public long Lost => Expected - Folded;

    public static ContributionCounts From(IEnumerable<Protocol.FinalStageState> stages, int workers, int steps)
    {
        ArgumentNullException.ThrowIfNull(stages);
        var all = stages.ToList();
        return new ContributionCounts((long)workers * steps * all.Count, all.Sum(s => s.ContributionsFolded), all.Sum(s => s.DuplicatesRefused));
    }
}

/// <summary>
/// Activation memory summed over all workers of the process.
/// </summary>
/// <param name="PerStageBytes">a_j: bytes stage j stores per micro-batch (Σ layer.StoredActivationsPerSample·4·batch).</param>
/// <param name="MeasuredPeakBytes">The largest per-tick sum over workers of each worker's peak during its op at that tick.</param>
/// <param name="PredictedPeakBytes">The largest per-tick prediction from the schedule with the real a_j.</param>
/// <param name="WallClockPeakBytes">The largest process-wide live activation bytes seen by the wall-clock sampler.</param>
/// <param name="Profile">Per logical tick, measured and predicted bytes.</param>
public sealed record ActivationReport(
    IReadOnlyList<long> PerStageBytes,
    long MeasuredPeakBytes,
    long PredictedPeakBytes,
    long WallClockPeakBytes,
    IReadOnlyList<TickActivation> Profile);

/// <summary>Activation bytes at one logical tick, summed over workers.</summary>
public sealed record TickActivation(long Tick, long MeasuredBytes, long PredictedBytes);
