namespace CyclicActors.Actors.Schedule;

/// <summary>One device of a <see cref="ModelPlacement"/>: the stages whose only parameter copy it holds, and its load in steady state.</summary>
/// <param name="Device">0-based device index, in stage order.</param>
/// <param name="Stages">The 1-based stages it runs, contiguous and ascending.</param>
/// <param name="PeakOpsPerTick">The most ops of its stages that run at one tick: 1 means one unit-speed device keeps the schedule; c &gt; 1 means it must be c times as fast (or the step stretches c-fold).</param>
/// <param name="BusyFraction">Ops it runs per steady-state cycle over the 2L·<paramref name="PeakOpsPerTick"/> it could run: 1 when it works every tick.</param>
/// <param name="PeakActivationHolders">The most (micro-batch, stage) activations of its stages held at one tick (cdp-method.md §4's per-stage holder count summed over its stages).</param>
public sealed record PlacedDevice(int Device, int[] Stages, int PeakOpsPerTick, double BusyFraction, int PeakActivationHolders);

/// <summary>
/// The model-parallel placement of cdp-method.md §3.5(c), as pure data: each stage's parameters live
/// on exactly one device (a single copy, no replicas), every micro-batch's forward and backward of a
/// stage run on that device, and consecutive stages share a device whenever their ops never run at
/// the same tick. In steady state CDP runs N ops per tick, spread over the stages, so the placement
/// needs N unit-speed devices (<see cref="UnitDevices"/>) where model parallelism with DP's timing
/// needs N·L (N ≥ 2). That holds when δ = 2L/N is even (N divides L) and for N = 2L; when δ is odd
/// and N &lt; 2L (e.g. N = 2, L = 3) a forward and a backward of the same stage meet at one tick
/// ((b − a)·δ ≡ 2j − 1 mod 2L has solutions), so that stage needs a device twice as fast: the
/// method notes' "at most one op per stage per tick for N &lt; L" is true only for even δ.
/// </summary>
/// <remarks>
/// Greedy over the stages in order: a stage joins the current device when the device still runs at
/// most one op per tick with it, otherwise it opens the next device. A stage that alone runs more
/// than one op per tick (N &gt; L under CDP, every stage under DP) gets a device of its own with that
/// peak. With <c>maxDevices</c>, adjacent devices are merged (the pair whose merged peak is smallest
/// first) until the count fits: the step then stretches by <see cref="Slowdown"/>.
/// </remarks>
public sealed class ModelPlacement
{
    private ModelPlacement(CdpSchedule schedule, IReadOnlyList<PlacedDevice> devices)
    {
        Schedule = schedule;
        Devices = devices;
    }

    public CdpSchedule Schedule { get; }

    public IReadOnlyList<PlacedDevice> Devices { get; }

    /// <summary>Σ of the devices' peaks: how many unit-speed devices keep the schedule (N for CDP, N·L for DP).</summary>
    public int UnitDevices => Devices.Sum(device => device.PeakOpsPerTick);

    /// <summary>The largest device peak: how many times longer a tick takes when every device has unit speed.</summary>
    public int Slowdown => Devices.Max(device => device.PeakOpsPerTick);

    /// <summary>The device holding <paramref name="stage"/> (1-based).</summary>
    public int DeviceOf(int stage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stage, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stage, Schedule.Stages);
        return Devices.Single(device => device.Stages.Contains(stage)).Device;
    }

    /// <summary>
    /// The most activation bytes device <paramref name="device"/> holds at a steady tick, given stage j's
    /// bytes per micro-batch at index j − 1: what its memory must hold beyond its stages' parameters
    /// (cdp-method.md §4's per-stage holder counts, weighted).
    /// </summary>
    public long PeakActivationBytes(int device, IReadOnlyList<long> perStageBytes)
    {
        ArgumentNullException.ThrowIfNull(perStageBytes);
        ArgumentOutOfRangeException.ThrowIfNotEqual(perStageBytes.Count, Schedule.Stages);
        return PeakHeld(Schedule, Devices[device].Stages, stage => perStageBytes[stage - 1]);
    }

    /// <summary>Places <paramref name="schedule"/>'s stages on devices; <paramref name="maxDevices"/> caps their number (--devices).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDevices"/> below 1.</exception>
    public static ModelPlacement Plan(CdpSchedule schedule, int? maxDevices = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (maxDevices is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDevices), maxDevices, "--devices must be at least 1.");
        }

        var occupancy = SteadyOccupancy(schedule);
        var groups = new List<List<int>>();
        foreach (var stage in Enumerable.Range(1, schedule.Stages))
        {
            if (groups.Count > 0 && Peak(occupancy, [.. groups[^1], stage]) <= 1)
            {
                groups[^1].Add(stage);
            }
            else
            {
                groups.Add([stage]);
            }
        }

        while (maxDevices is { } cap && groups.Count > cap)
        {
            var merge = Enumerable.Range(0, groups.Count - 1).MinBy(i => (Peak(occupancy, [.. groups[i], .. groups[i + 1]]), i));
            groups[merge].AddRange(groups[merge + 1]);
            groups.RemoveAt(merge + 1);
        }

        var devices = groups.Select((stages, device) =>
        {
            var peak = Peak(occupancy, stages);
            var ops = stages.Sum(stage => occupancy[stage - 1].Sum());
            return new PlacedDevice(device, [.. stages], peak, (double)ops / (schedule.CycleLength * peak), (int)PeakHeld(schedule, stages, _ => 1));
        }).ToArray();
        return new ModelPlacement(schedule, devices);
    }

    /// <summary>Ops per stage (index j − 1) at each tick of one steady-state cycle.</summary>
    private static int[][] SteadyOccupancy(CdpSchedule schedule)
    {
        var occupancy = Enumerable.Range(0, schedule.Stages).Select(_ => new int[schedule.CycleLength]).ToArray();
        foreach (var tick in schedule.SteadyCycleTicks())
        {
            foreach (var op in schedule.OpsAtTick(tick))
            {
                occupancy[op.Stage - 1][tick - schedule.SteadyStateStartTick]++;
            }
        }

        return occupancy;
    }

    private static int Peak(int[][] occupancy, IReadOnlyCollection<int> stages) =>
        Enumerable.Range(0, occupancy[0].Length).Max(tick => stages.Sum(stage => occupancy[stage - 1][tick]));

    /// <summary>The most Σ weight(j) over the (micro-batch, stage j) activations of <paramref name="stages"/> held at one steady tick.</summary>
    private static long PeakHeld(CdpSchedule schedule, IReadOnlyCollection<int> stages, Func<int, long> weight) =>
        schedule.SteadyCycleTicks().Max(tick =>
            Enumerable.Range(0, schedule.Workers).Sum(worker => stages.Where(stage => schedule.HoldsActivation(worker, stage, tick)).Sum(weight)));
}
