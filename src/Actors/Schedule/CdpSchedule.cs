namespace CyclicActors.Actors.Schedule;

/// <summary>
/// The cyclic schedule of cdp-method.md §2 as pure data: for N workers, L stages and an update rule,
/// the tick of every stage operation, the parameter version it must use, and the memory and
/// gradient-arrival profiles the runtime is expected to show. DP is the same schedule with δ = 0.
/// </summary>
/// <remarks>
/// Worker i (0-based) runs the forward of stage j (1-based) of step k at 2Lk + iδ + j − 1 and its
/// backward at 2Lk + iδ + 2L − j, with δ = 2L/N for CDP. Training is treated as unbounded: every
/// worker keeps cycling, so profiles show no drain at the end of a run.
/// Split over files by concern: ticks and ops here, versions in CdpSchedule.Versions.cs, predicted
/// profiles in CdpSchedule.Profiles.cs.
/// </remarks>
public sealed partial class CdpSchedule
{
    private CdpSchedule(int workers, int stages, UpdateRule rule, V2FreshnessRule freshness)
    {
        Workers = workers;
        Stages = stages;
        Rule = rule;
        Freshness = freshness;
        Delay = rule == UpdateRule.Dp ? 0 : 2 * stages / workers;
    }

    /// <summary>N: workers, which is also the number of micro-batches per training step.</summary>
    public int Workers { get; }

    /// <summary>L: contiguous stages of the model.</summary>
    public int Stages { get; }

    public UpdateRule Rule { get; }

    /// <summary>Which freshness rule CDP-v2 uses; ignored by the other rules.</summary>
    public V2FreshnessRule Freshness { get; }

    /// <summary>δ: ticks between the starts of consecutive workers. 2L/N for CDP, 0 for DP.</summary>
    public int Delay { get; }

    /// <summary>2L: ticks one micro-batch needs for its full forward and backward.</summary>
    public int CycleLength => 2 * Stages;

    /// <summary>(N−1)δ: the first tick at which every worker is running (0 for DP).</summary>
    public long SteadyStateStartTick => (long)(Workers - 1) * Delay;

    /// <summary>
    /// Builds a validated schedule.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">N &lt; 1 or L &lt; 1, or an unknown enum value.</exception>
    /// <exception cref="ArgumentException">A CDP rule with an N that does not divide 2L; the message lists the valid N.</exception>
    public static CdpSchedule Create(
        int workers, int stages, UpdateRule rule, V2FreshnessRule freshness = V2FreshnessRule.Schedule)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        if (!Enum.IsDefined(rule))
        {
            throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown update rule.");
        }

        if (!Enum.IsDefined(freshness))
        {
            throw new ArgumentOutOfRangeException(nameof(freshness), freshness, "Unknown v2 freshness rule.");
        }

        // The delay must be a whole number of ticks; cdp-method.md §2.2 leaves other N unspecified,
        // so we refuse them rather than invent a fallback.
        if (rule != UpdateRule.Dp && 2 * stages % workers != 0)
        {
            var valid = string.Join(", ", ValidWorkerCounts(stages));
            throw new ArgumentException(
                $"N = {workers} does not divide 2L = {2 * stages} for L = {stages}; valid N for L = {stages}: {valid}",
                nameof(workers));
        }

        return new CdpSchedule(workers, stages, rule, freshness);
    }

    /// <summary>The worker counts a CDP schedule accepts for L stages: the divisors of 2L, ascending.</summary>
    public static IReadOnlyList<int> ValidWorkerCounts(int stages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        return Enumerable.Range(1, 2 * stages).Where(n => 2 * stages % n == 0).ToArray();
    }

    /// <summary>The tick at which worker <paramref name="worker"/> starts its micro-batch of <paramref name="step"/> (its F_1).</summary>
    public long StartTick(int step, int worker) => TickOf(step, worker, 1, OpKind.Forward);

    /// <summary>F_j at 2Lk + iδ + j − 1; B_j at 2Lk + iδ + 2L − j.</summary>
    public long TickOf(int step, int worker, int stage, OpKind kind)
    {
        CheckStep(step);
        CheckWorker(worker);
        CheckStage(stage);
        var stepStart = ((long)CycleLength * step) + ((long)worker * Delay);
        return kind switch
        {
            OpKind.Forward => stepStart + stage - 1,
            OpKind.Backward => stepStart + CycleLength - stage,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown op kind."),
        };
    }

    /// <summary>
    /// The op at position <paramref name="index"/> (0..2L−1) of the worker's micro-batch of
    /// <paramref name="step"/>: F_1..F_L, then B_L..B_1. This is the instruction stream a worker executes.
    /// </summary>
    public ScheduledOp OpOf(int worker, int step, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, CycleLength);
        var (stage, kind) = index < Stages ? (index + 1, OpKind.Forward) : (CycleLength - index, OpKind.Backward);
        return new ScheduledOp(worker, step, stage, kind, TickOf(step, worker, stage, kind));
    }

    /// <summary>The op worker <paramref name="worker"/> runs at <paramref name="tick"/>, or null while it has not started.</summary>
    public ScheduledOp? OpAt(int worker, long tick)
    {
        CheckWorker(worker);
        ArgumentOutOfRangeException.ThrowIfNegative(tick);
        var sinceStart = tick - ((long)worker * Delay);
        if (sinceStart < 0)
        {
            return null;
        }

        var step = checked((int)(sinceStart / CycleLength));
        var phase = (int)(sinceStart % CycleLength);
        return phase < Stages
            ? new ScheduledOp(worker, step, phase + 1, OpKind.Forward, tick)
            : new ScheduledOp(worker, step, CycleLength - phase, OpKind.Backward, tick);
    }

    /// <summary>All ops running at <paramref name="tick"/>, ordered by worker.</summary>
    public IReadOnlyList<ScheduledOp> OpsAtTick(long tick)
    {
        var ops = new List<ScheduledOp>(Workers);
        for (var worker = 0; worker < Workers; worker++)
        {
            if (OpAt(worker, tick) is { } op)
            {
                ops.Add(op);
            }
        }

        return ops;
    }

    /// <summary>
    /// The training-step window a tick belongs to: the figure's double bars. Window 0 is the warm-up
    /// step, ticks [0, 2L + (N−1)δ); window k ≥ 1 is [2Lk + (N−1)δ, 2L(k+1) + (N−1)δ). Window k ends
    /// with the last backward of step k, so during window w the newest complete parameters are θ_w.
    /// </summary>
    public int TrainingStepWindow(long tick)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tick);
        var sinceSteady = tick - SteadyStateStartTick;
        return sinceSteady < 0 ? 0 : checked((int)(sinceSteady / CycleLength));
    }

    /// <summary>First tick of training-step window <paramref name="step"/> (see <see cref="TrainingStepWindow"/>).</summary>
    public long WindowStartTick(int step)
    {
        CheckStep(step);
        return step == 0 ? 0 : ((long)CycleLength * step) + SteadyStateStartTick;
    }

    /// <summary>Last tick of training-step window <paramref name="step"/>: the last backward of that step.</summary>
    public long WindowEndTick(int step)
    {
        CheckStep(step);
        return ((long)CycleLength * (step + 1)) + SteadyStateStartTick - 1;
    }

    public override string ToString() =>
        $"{Rule.ToCliName()} N={Workers} L={Stages} delta={Delay}" +
        (Rule == UpdateRule.CdpV2 ? $" freshness={Freshness.ToCliName()}" : string.Empty);

    private static void CheckStep(int step) => ArgumentOutOfRangeException.ThrowIfNegative(step);

    private void CheckWorker(int worker)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(worker);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(worker, Workers);
    }

    private void CheckStage(int stage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stage, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stage, Stages);
    }
}
