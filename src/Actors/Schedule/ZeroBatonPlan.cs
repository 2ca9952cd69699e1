namespace CyclicActors.Actors.Schedule;

/// <summary>
/// One transfer of a stage's parameters under the ZeRO placement: <paramref name="From"/> is a worker,
/// or null for the stage's owner (its reducer); <paramref name="To"/> reads version
/// <paramref name="Version"/> for its F_j at <paramref name="NeededTick"/> and holds it from
/// <paramref name="HeldFromTick"/> (when it leaves its sender) through its B_j at <paramref name="DropTick"/>.
/// </summary>
public sealed record BatonHop(int Step, int Stage, int? From, int To, int Version, long NeededTick, long HeldFromTick, long DropTick)
{
    public bool FromOwner => From is null;
}

/// <summary>
/// The ZeRO placement of cdp-method.md §3.5(b) as pure data. A worker holds stage j's parameters only
/// from its F_j to its B_j of a step. In CDP the readers of stage j come one after another, δ ticks
/// apart, so the parameters travel worker to worker like a baton: a reader gets its version from the
/// reader before it in the step when that one read the same version, otherwise from the stage's owner
/// (the first reader of each version in a step). Gradients go to the owner as in the data placement.
/// </summary>
/// <remarks>
/// What this predicts, against the data placement where every worker keeps a full replica and the
/// owner sends each new version to all N workers: a worker still holds every stage at its turn (F_L
/// to B_L), so its own high-water is the whole model, but the copies held over all workers at one
/// tick follow the activation profile (cdp-method.md §4: constant N(L+1)/2 stage units under CDP
/// with equal stages, against N·L); and the owner sends each version once per step instead of N
/// times, the other N − 1 copies crossing worker-to-worker links.
/// </remarks>
public sealed class ZeroBatonPlan(CdpSchedule schedule)
{
    public CdpSchedule Schedule { get; } = schedule ?? throw new ArgumentNullException(nameof(schedule));

    /// <summary>The transfers that bring stage <paramref name="stage"/>'s parameters to each of its readers in <paramref name="step"/>, in reading order.</summary>
    public IReadOnlyList<BatonHop> HopsOf(int step, int stage)
    {
        var hops = new List<BatonHop>(Schedule.Workers);
        int? previous = null;
        foreach (var worker in ReadingOrder(step, stage))
        {
            var version = Schedule.RequiredVersion(step, worker, stage);
            var needed = Schedule.TickOf(step, worker, stage, OpKind.Forward);
            var drop = Schedule.TickOf(step, worker, stage, OpKind.Backward);
            // A baton only from a reader of the same version that ran its F_j earlier (under DP all read
            // at once: the owner sends to each). It leaves after the sender's B_j, or just in time.
            if (previous is { } before && Schedule.RequiredVersion(step, before, stage) == version
                && Schedule.TickOf(step, before, stage, OpKind.Forward) < needed)
            {
                var sent = Math.Min(Schedule.TickOf(step, before, stage, OpKind.Backward), needed - 1);
                hops.Add(new BatonHop(step, stage, before, worker, version, needed, sent, drop));
            }
            else
            {
                hops.Add(new BatonHop(step, stage, null, worker, version, needed, needed, drop));
            }

            previous = worker;
        }

        return hops;
    }

    /// <summary>The batons <paramref name="worker"/> passes on in <paramref name="step"/>, over every stage: each leaves after its op at <see cref="BatonHop.HeldFromTick"/>.</summary>
    public IReadOnlyList<BatonHop> SendsOf(int worker, int step) =>
        [.. Enumerable.Range(1, Schedule.Stages).SelectMany(stage => HopsOf(step, stage)).Where(hop => hop.From == worker).OrderBy(hop => hop.HeldFromTick)];

    /// <summary>
    /// The workers the owner of <paramref name="stage"/> sends <paramref name="version"/> to, once per
    /// step of <paramref name="firstStep"/>..<paramref name="totalSteps"/> − 1 that reads it (a worker
    /// may appear twice: θ_0 is read by steps 0 and 1 under the CDP rules).
    /// </summary>
    public IReadOnlyList<int> OwnerRecipients(int stage, int version, int firstStep, int totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        // A step k reads θ_k or θ_{k−1}: version v is read by steps v and v + 1 only.
        var steps = Enumerable.Range(version, 2).Where(step => step >= firstStep && step < totalSteps);
        return [.. steps.SelectMany(step => HopsOf(step, stage)).Where(hop => hop.FromOwner && hop.Version == version).Select(hop => hop.To)];
    }

    /// <summary>
    /// Whether <paramref name="worker"/> holds stage <paramref name="stage"/>'s parameters at <paramref name="tick"/>:
    /// from the tick its copy left the sender through its B_j, for any step (a copy for the next step may
    /// arrive before the last one is dropped).
    /// </summary>
    public bool Holds(int worker, int stage, long tick)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tick);
        var step = (int)(tick / Schedule.CycleLength);
        for (var candidate = Math.Max(step - 2, 0); candidate <= step + 1; candidate++)
        {
            var hop = HopsOf(candidate, stage).Single(h => h.To == worker);
            if (hop.HeldFromTick <= tick && tick <= hop.DropTick)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Σ_j s_j over the stages <paramref name="worker"/> holds at <paramref name="tick"/> (bytes of stage j at index j − 1).</summary>
    public long HeldBytes(int worker, long tick, IReadOnlyList<long> perStageBytes)
    {
        ArgumentNullException.ThrowIfNull(perStageBytes);
        return Enumerable.Range(1, Schedule.Stages).Where(stage => Holds(worker, stage, tick)).Sum(stage => perStageBytes[stage - 1]);
    }

    /// <summary>The most parameter bytes one worker holds at a tick of a steady cycle (the data placement: the whole model, always).</summary>
    public long PeakHeldBytesPerWorker(IReadOnlyList<long> perStageBytes) =>
        Schedule.SteadyCycleTicks().Max(tick => Enumerable.Range(0, Schedule.Workers).Max(worker => HeldBytes(worker, tick, perStageBytes)));

    /// <summary>The parameter bytes held over all workers at <paramref name="tick"/> (the data placement: N times the model).</summary>
    public long HeldBytesOverWorkers(long tick, IReadOnlyList<long> perStageBytes) =>
        Enumerable.Range(0, Schedule.Workers).Sum(worker => HeldBytes(worker, tick, perStageBytes));

    /// <summary>
    /// Parameter bytes per link for one step: key (from, to), from null for the stage owners. The data
    /// placement's broadcast is every owner to every worker, N copies of each stage.
    /// </summary>
    public IReadOnlyDictionary<(int? From, int To), long> LinkBytes(int step, IReadOnlyList<long> perStageBytes)
    {
        ArgumentNullException.ThrowIfNull(perStageBytes);
        var bytes = new Dictionary<(int? From, int To), long>();
        for (var stage = 1; stage <= Schedule.Stages; stage++)
        {
            foreach (var hop in HopsOf(step, stage))
            {
                bytes[(hop.From, hop.To)] = bytes.GetValueOrDefault((hop.From, hop.To)) + perStageBytes[stage - 1];
            }
        }

        return bytes;
    }

    private IEnumerable<int> ReadingOrder(int step, int stage) =>
        Enumerable.Range(0, Schedule.Workers).OrderBy(worker => Schedule.TickOf(step, worker, stage, OpKind.Forward)).ThenBy(worker => worker);
}
