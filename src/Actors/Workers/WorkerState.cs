using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Workers;

/// <summary>
/// The decisions of one worker, without actors or devices: which op comes next, whether it may run
/// (token, data, parameter version), which version each stage must hold, and what to do after it.
/// The actor calls <see cref="Decide"/>, carries out a <see cref="RunOp"/>, then calls
/// <see cref="Complete"/>; arrivals are reported with the *Arrived methods. Mutable; owned by one actor.
/// </summary>
/// <remarks>
/// Versions: the forward of (step k, stage j) needs <see cref="CdpSchedule.RequiredVersion"/>; the
/// stage is (re)loaded only at that forward, so its backward necessarily reads the same version,
/// and a stage switches versions only between its B_j of step k and its F_j of step k + 1
/// (cdp-method.md §9.1 item 12). With look-ahead, every stale forward of step k ≥ 1 loads a new
/// point, since it depends on the worker's gradient of step k − 1.
/// </remarks>
public sealed class WorkerState
{
    private readonly SortedSet<int>[] _available;
    private readonly Loaded?[] _loaded;
    private readonly HashSet<int> _assignedSteps = [];

    public WorkerState(CdpSchedule schedule, int rank, int totalSteps, DelayCompensation compensation, TokenRingState token)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(token);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        if (token.Rank != rank || token.Delay != schedule.Delay)
        {
            throw new ArgumentException($"The token state (rank {token.Rank}, delay {token.Delay}) does not match rank {rank} of {schedule}.", nameof(token));
        }

        if (compensation == DelayCompensation.Lookahead && schedule.Rule == UpdateRule.Dp)
        {
            throw new ArgumentException("Look-ahead compensation applies to the CDP rules only; DP has no stale ops.", nameof(compensation));
        }

        Schedule = schedule;
        Rank = rank;
        TotalSteps = totalSteps;
        Compensation = compensation;
        Token = token;
        _available = Enumerable.Range(0, schedule.Stages).Select(_ => new SortedSet<int>()).ToArray();
        _loaded = new Loaded?[schedule.Stages];
    }

    public CdpSchedule Schedule { get; }

    public int Rank { get; }

    public int TotalSteps { get; }

    public DelayCompensation Compensation { get; }

    public TokenRingState Token { get; private set; }

    /// <summary>The step of the next op.</summary>
    public int Step { get; private set; }

    /// <summary>The position 0..2L−1 of the next op in its micro-batch.</summary>
    public int OpIndex { get; private set; }

    public void DataArrived(int step)
    {
        if (!_assignedSteps.Add(step))
        {
            throw new InvalidOperationException($"Rank {Rank} received the samples of step {step} twice.");
        }
    }

    /// <summary>A reducer published <paramref name="version"/> of stage <paramref name="stageIndex"/> (0-based).</summary>
    /// <returns>False when the version is older than any this worker will read (the actor may discard it).</returns>
    public bool ParametersArrived(int stageIndex, int version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        if (_loaded[stageIndex] is { } loaded && version < loaded.Version)
        {
            return false;
        }

        if (!_available[stageIndex].Add(version))
        {
            throw new InvalidOperationException($"Rank {Rank} received version {version} of stage {stageIndex} twice.");
        }

        return true;
    }

    public TokenRingTransition TokenArrived(RingToken token)
    {
        var transition = Token.Receive(token);
        Token = transition.State;
        return transition;
    }

    public WorkerDecision Decide()
    {
        if (Step >= TotalSteps)
        {
            return new Finished();
        }

        if (OpIndex == 0)
        {
            if (!Token.CanStart(Step))
            {
                return new WaitForToken(Step);
            }

            if (!_assignedSteps.Contains(Step))
            {
                return new WaitForData(Step);
            }
        }

        var op = CurrentOp();
        var stageIndex = op.Stage - 1;
        if (op.Kind == OpKind.Backward)
        {
            var loaded = _loaded[stageIndex] ?? throw new InvalidOperationException($"Rank {Rank} reached {op} with no parameters loaded for the stage.");
            return new RunOp(op, OpIndex, loaded.Version, loaded.Lookahead, LoadFirst: false);
        }

        var required = Schedule.RequiredVersion(Step, Rank, op.Stage);
        var lookahead = UsesLookahead(Step, op.Stage);
        var current = _loaded[stageIndex];
        var reusable = current is not null && current.Version == required && !current.Lookahead && !lookahead;
        if (reusable)
        {
            return new RunOp(op, OpIndex, required, Lookahead: false, LoadFirst: false);
        }

        return _available[stageIndex].Contains(required)
            ? new RunOp(op, OpIndex, required, lookahead, LoadFirst: true)
            : new WaitForParameters(stageIndex, required);
    }

    /// <summary>Whether (step, stage) of this worker runs at the look-ahead point instead of θ_{step−1}.</summary>
    public bool UsesLookahead(int step, int stage) =>
        Compensation == DelayCompensation.Lookahead && step >= 1 && !Schedule.IsFresh(Rank, stage);

    /// <summary>The op <paramref name="run"/> (the last decision) has been carried out.</summary>
    public OpCompletion Complete(RunOp run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Op.Step != Step || run.OpIndex != OpIndex)
        {
            throw new InvalidOperationException($"Rank {Rank} completed {run.Op}, but the next op is index {OpIndex} of step {Step}.");
        }

        IReadOnlyList<int> dropped = [];
        if (run.LoadFirst)
        {
            _loaded[run.StageIndex] = new Loaded(run.Version, run.Lookahead);
            var older = _available[run.StageIndex].GetViewBetween(int.MinValue, run.Version - 1).ToArray();
            foreach (var version in older)
            {
                _available[run.StageIndex].Remove(version);
            }

            dropped = older;
        }

        if (run.StartsMicroBatch)
        {
            Token = Token.StartMicroBatch(Step);
        }

        var transition = Token.CompleteOp();
        Token = transition.State;
        OpIndex++;
        var finished = OpIndex == Schedule.CycleLength;
        if (finished)
        {
            _assignedSteps.Remove(Step);
            Step++;
            OpIndex = 0;
        }

        return new OpCompletion(transition.Effects, dropped, finished);
    }

    private ScheduledOp CurrentOp()
    {
        var stages = Schedule.Stages;
        var (stage, kind) = OpIndex < stages ? (OpIndex + 1, OpKind.Forward) : ((2 * stages) - OpIndex, OpKind.Backward);
        return new ScheduledOp(Rank, Step, stage, kind, Schedule.TickOf(Step, Rank, stage, kind));
    }

    private sealed record Loaded(int Version, bool Lookahead);
}
