using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Workers;

/// <summary>
/// The decisions of one worker, without actors or devices: which op comes next (the schedule's op
/// stream, <see cref="CdpSchedule.OpOf"/>), whether it may run (token, parameter version), which
/// version each stage must hold, and what to do after it. It also holds the published parameters
/// the worker will still read, and drops each version once no op can read it again. The actor calls
/// <see cref="Decide"/>, carries out a <see cref="RunOp"/> (loading <see cref="ParametersToLoad"/>
/// first when asked), then calls <see cref="Complete"/>; arrivals are reported with the *Arrived
/// methods. Mutable; owned by one actor.
/// </summary>
/// <remarks>
/// Versions: the forward of (step k, stage j) needs <see cref="CdpSchedule.RequiredVersion"/>; the
/// stage is (re)loaded only at that forward, so its backward necessarily reads the same version,
/// and a stage switches versions only between its B_j of step k and its F_j of step k + 1
/// (cdp-method.md §9.1 item 12). With look-ahead, every stale forward of step k ≥ 1 loads a new
/// point, since it depends on the worker's gradient of step k − 1.
/// The worker's first micro-batch starts only once it holds every stage's version for it (except
/// under ZeRO, where a stage's parameters come one at a time). The reducers' first publication can
/// reach a far member tens of milliseconds after the first forward (20–75 ms in the three-process
/// runs at 24 MB/s a link); rank 0 then stopped inside its first micro-batch, the next rank caught up
/// and the two met, holding two micro-batches' buffers at once where the schedule keeps them apart.
/// </remarks>
public sealed class WorkerState
{
    private readonly SortedDictionary<int, ParametersPublished>[] _available;
    private readonly Dictionary<(int Stage, int Version), int> _extraCopies = [];
    private readonly Loaded?[] _loaded;
    private readonly int _firstStep;

    /// <param name="holdsOnlyInUse">
    /// The ZeRO placement: a stage's version is kept only from its forward to its backward, then dropped
    /// (the next forward loads again), and a version may arrive once per step that reads it.
    /// </param>
    public WorkerState(CdpSchedule schedule, int rank, int totalSteps, DelayCompensation compensation, TokenRingState token, int firstStep = 0, bool holdsOnlyInUse = false)
    {
        _firstStep = firstStep;
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
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
        Step = firstStep;
        HoldsOnlyInUse = holdsOnlyInUse;
        _available = Enumerable.Range(0, schedule.Stages).Select(_ => new SortedDictionary<int, ParametersPublished>()).ToArray();
        _loaded = new Loaded?[schedule.Stages];
    }

    public CdpSchedule Schedule { get; }

    public int Rank { get; }

    public int TotalSteps { get; }

    public DelayCompensation Compensation { get; }

    /// <summary>The ZeRO placement's lifetime: a stage is held from its F_j to its B_j only.</summary>
    public bool HoldsOnlyInUse { get; }

    public TokenRingState Token { get; private set; }

    /// <summary>The step of the next op.</summary>
    public int Step { get; private set; }

    /// <summary>The position 0..2L−1 of the next op in its micro-batch.</summary>
    public int OpIndex { get; private set; }

    /// <summary>A reducer published a version of a stage (0-based <see cref="ParametersPublished.Stage"/>).</summary>
    /// <returns>False when the version is older than any this worker will read (it is not kept).</returns>
    public bool ParametersArrived(ParametersPublished published)
    {
        ArgumentNullException.ThrowIfNull(published);
        ArgumentOutOfRangeException.ThrowIfNegative(published.Version);
        var stageIndex = published.Stage;
        if (_loaded[stageIndex] is { } loaded && published.Version < loaded.Version)
        {
            return false;
        }

        if (!_available[stageIndex].TryAdd(published.Version, published))
        {
            if (HoldsOnlyInUse)
            {
                // θ_0 under a CDP rule is read by steps 0 and 1: a second copy for the later step.
                _extraCopies[(stageIndex, published.Version)] = _extraCopies.GetValueOrDefault((stageIndex, published.Version)) + 1;
                return true;
            }

            throw new InvalidOperationException($"Rank {Rank} received version {published.Version} of stage {stageIndex} twice.");
        }

        return true;
    }

    /// <summary>The parameters <paramref name="run"/> loads before it runs (it must have <see cref="RunOp.LoadFirst"/>).</summary>
    public ParametersPublished ParametersToLoad(RunOp run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.LoadFirst && _available[run.StageIndex].TryGetValue(run.Version, out var published)
            ? published
            : throw new InvalidOperationException($"Rank {Rank} has no version {run.Version} of stage {run.StageIndex} to load for {run.Op}.");
    }

    /// <summary>The copy of <paramref name="version"/> of a stage (0-based) this worker holds, to pass on as a baton.</summary>
    public ParametersPublished Held(int stageIndex, int version) =>
        _available[stageIndex].TryGetValue(version, out var published)
            ? published
            : throw new InvalidOperationException($"Rank {Rank} holds no version {version} of stage {stageIndex} to pass on.");

    /// <summary>The versions of a stage (0-based) this worker holds and may still read.</summary>
    public IReadOnlyCollection<int> HeldVersions(int stageIndex) => _available[stageIndex].Keys;

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

        if (OpIndex == 0 && !Token.CanStart(Step))
        {
            return new WaitForToken(Step);
        }

        if (Step == _firstStep && OpIndex == 0 && !HoldsOnlyInUse && FirstMissing() is { } missing)
        {
            return missing;
        }

        var op = Schedule.OpOf(Rank, Step, OpIndex);
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

        return _available[stageIndex].ContainsKey(required)
            ? new RunOp(op, OpIndex, required, lookahead, LoadFirst: true)
            : new WaitForParameters(stageIndex, required);
    }

    /// <summary>The first stage whose version for this worker's first micro-batch has not arrived, if any.</summary>
    private WaitForParameters? FirstMissing()
    {
        for (int stageIndex = 0; stageIndex < Schedule.Stages; stageIndex++)
        {
            int required = Schedule.RequiredVersion(Step, Rank, stageIndex + 1);
            if (!_available[stageIndex].ContainsKey(required) && _loaded[stageIndex]?.Version != required)
            {
                return new WaitForParameters(stageIndex, required);
            }
        }

        return null;
    }

    /// <summary>Whether (step, stage) of this worker runs at the look-ahead point instead of θ_{step−1}.</summary>
    public bool UsesLookahead(int step, int stage) =>
        CompensationForRule.UsesLookahead(Schedule, Compensation, Rank, stage, step);

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
            var older = _available[run.StageIndex].Keys.TakeWhile(version => version < run.Version).ToArray();
            foreach (var version in older)
            {
                _available[run.StageIndex].Remove(version);
            }

            dropped = older;
        }

        if (HoldsOnlyInUse && run.Op.Kind == OpKind.Backward)
        {
            dropped = DropInUse(run.StageIndex, run.Version);
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
            Step++;
            OpIndex = 0;
        }

        return new OpCompletion(transition.Effects, dropped, finished);
    }

    private int[] DropInUse(int stageIndex, int version)
    {
        _loaded[stageIndex] = null;
        var key = (stageIndex, version);
        if (_extraCopies.TryGetValue(key, out var extra))
        {
            if (extra == 1)
            {
                _extraCopies.Remove(key);
            }
            else
            {
                _extraCopies[key] = extra - 1;
            }

            return [];
        }

        _available[stageIndex].Remove(version);
        return [version];
    }

    private sealed record Loaded(int Version, bool Lookahead);
}
