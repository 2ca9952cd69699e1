using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Pacing;

/// <summary>How the workers of one device keep the schedule's order in wall-clock time, not only their starts.</summary>
public enum PacingMode
{
    /// <summary>Ops run as soon as their token and parameters are there (workers may drift together).</summary>
    None,

    /// <summary>
    /// A forward of stage j at tick t starts only after every backward of stage j (the ops that free
    /// what it will allocate) at an earlier tick on the device has finished; backwards never wait.
    /// Each stage's activations then never have more holders than the schedule has at some tick.
    /// </summary>
    Tick,

    /// <summary>
    /// A forward reserves its stage's activation bytes before it allocates and releases them at the
    /// end of the matching backward; reservations are granted in tick order and never beyond the budget.
    /// </summary>
    Budget,
}

/// <summary>
/// The pacing of one device's workers, without threads (pure, like <see cref="TokenRingState"/>):
/// whether an op may start now, given what the device's other workers have finished and reserved.
/// A worker runs its ops in order, one per tick from its start tick (op m of worker i is at tick
/// iδ + m), so each worker's progress is one counter.
/// </summary>
/// <remarks>
/// Deadlock freedom: every dependency of an op in the runtime is on ops of strictly earlier ticks
/// (the token is passed δ ops into the previous rank's micro-batch; the version a forward reads is
/// published after a fold whose last backward comes earlier; a backward needs only its own
/// forward). Tick pacing adds waits on backwards of earlier ticks only, and budget pacing grants
/// reservations in tick order with a budget of at least the schedule's peak, so what is held when
/// the forward of tick t asks is at most the peak at t plus activations whose backward (of an
/// earlier tick) has yet to finish, and that backward waits on nothing later. Ordering all ops by
/// tick is therefore a valid order of execution, and some op can always run. The simulation test
/// checks this for every N, L in 1..8 with random op durations.
/// </remarks>
public sealed class PacingState
{
    private readonly CdpSchedule _schedule;
    private readonly int[] _ranks;
    private readonly long[] _perStageBytes;
    private readonly int _opsPerWorker;
    private readonly Dictionary<int, int> _completed = [];
    private readonly Dictionary<int, int> _granted = [];

    /// <param name="ranks">The ranks whose workers run on this device.</param>
    /// <param name="perStageBytes">a_j: bytes of stored activations stage j (index j − 1) keeps per micro-batch.</param>
    /// <param name="budget">Budget mode: the most bytes of activations reserved at once (at least the largest a_j).</param>
    /// <param name="firstStep">The step the run starts at (a resumed run's cut): the ops of earlier steps count as done.</param>
    public PacingState(CdpSchedule schedule, IReadOnlyList<int> ranks, int totalSteps, PacingMode mode, IReadOnlyList<long> perStageBytes, long budget = long.MaxValue, int firstStep = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentNullException.ThrowIfNull(perStageBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        if (perStageBytes.Count != schedule.Stages)
        {
            throw new ArgumentException($"Expected {schedule.Stages} per-stage byte counts, got {perStageBytes.Count}.", nameof(perStageBytes));
        }

        if (mode == PacingMode.Budget && budget < perStageBytes.Max())
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, $"A budget below one stage's activations ({perStageBytes.Max():N0} bytes) can never be met.");
        }

        _schedule = schedule;
        _ranks = [.. ranks.Distinct().Order()];
        _perStageBytes = [.. perStageBytes];
        _opsPerWorker = checked(totalSteps * schedule.CycleLength);
        Mode = mode;
        Budget = budget;
        foreach (var rank in _ranks)
        {
            _completed[rank] = checked(firstStep * schedule.CycleLength);
            _granted[rank] = checked(firstStep * schedule.Stages);
        }
    }

    public PacingMode Mode { get; }

    public long Budget { get; }

    /// <summary>Activation bytes reserved now (budget mode), summed over the device's workers.</summary>
    public long Reserved { get; private set; }

    /// <summary>Whether <paramref name="op"/> (the next op of its worker) may start now.</summary>
    public bool CanStart(ScheduledOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        CheckNext(op);
        return Mode switch
        {
            PacingMode.Tick => op.Kind == OpKind.Backward || EarlierBackwardsFinished(op.Stage, op.Tick),
            PacingMode.Budget => op.Kind == OpKind.Backward || (FirstInTickOrder(op) && Reserved + _perStageBytes[op.Stage - 1] <= Budget),
            _ => true,
        };
    }

    /// <summary><paramref name="op"/> starts (after <see cref="CanStart"/> said yes): a forward reserves its stage's bytes in budget mode.</summary>
    public void Started(ScheduledOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!CanStart(op))
        {
            throw new InvalidOperationException($"{op} may not start yet under {Mode} pacing.");
        }

        if (Mode == PacingMode.Budget && op.Kind == OpKind.Forward)
        {
            Reserved += _perStageBytes[op.Stage - 1];
            _granted[op.Worker]++;
        }
    }

    /// <summary><paramref name="op"/> finished: its worker moves on, and a backward releases its stage's bytes.</summary>
    public void Completed(ScheduledOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        CheckNext(op);
        _completed[op.Worker]++;
        if (Mode == PacingMode.Budget && op.Kind == OpKind.Backward)
        {
            Reserved -= _perStageBytes[op.Stage - 1];
        }
    }

    /// <summary>Every backward of <paramref name="stage"/> with a tick below <paramref name="tick"/> on this device has finished.</summary>
    private bool EarlierBackwardsFinished(int stage, long tick)
    {
        foreach (var rank in _ranks)
        {
            var lastBackward = LastBackwardBefore(rank, stage, tick);
            if (lastBackward >= 0 && _completed[rank] <= lastBackward)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The index of the worker's last backward of <paramref name="stage"/> at a tick below <paramref name="tick"/>, or −1.</summary>
    private long LastBackwardBefore(int rank, int stage, long tick)
    {
        var before = Math.Min(tick - _schedule.StartTick(0, rank), _opsPerWorker) - 1; // the worker's last op index below the tick
        if (before < 0)
        {
            return -1;
        }

        // Op m of a worker is at tick start + m; B_j is op 2L − j of each cycle.
        var cycle = _schedule.CycleLength;
        var offset = (2 * _schedule.Stages) - stage;
        var last = (before - offset) < 0 ? -1 : ((before - offset) / cycle * cycle) + offset;
        return last;
    }

    /// <summary>
    /// No other worker of the device has a forward of an earlier tick (or of the same tick and a lower
    /// rank) still to be granted: reservations follow the schedule's order.
    /// </summary>
    private bool FirstInTickOrder(ScheduledOp op)
    {
        foreach (var rank in _ranks)
        {
            if (rank == op.Worker || NextForwardTick(rank) is not { } tick)
            {
                continue;
            }

            if (tick < op.Tick || (tick == op.Tick && rank < op.Worker))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The tick of the worker's next forward still to be granted, or null when it has none left.</summary>
    private long? NextForwardTick(int rank)
    {
        var granted = _granted[rank];
        var stages = _schedule.Stages;
        var step = granted / stages;
        if (step * _schedule.CycleLength >= _opsPerWorker)
        {
            return null;
        }

        return _schedule.TickOf(step, rank, (granted % stages) + 1, OpKind.Forward);
    }

    private void CheckNext(ScheduledOp op)
    {
        if (!_completed.TryGetValue(op.Worker, out var done))
        {
            throw new ArgumentException($"Rank {op.Worker} does not run on this device (ranks {string.Join(",", _ranks)}).", nameof(op));
        }

        var expected = _schedule.OpOf(op.Worker, done / _schedule.CycleLength, done % _schedule.CycleLength);
        if (expected != op)
        {
            throw new InvalidOperationException($"{op} is not rank {op.Worker}'s next op ({expected}).");
        }
    }
}
