using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Coordination;

/// <summary>What a coordinator's state asks its actor to do.</summary>
public abstract record CoordinatorEffect;

/// <summary>All N losses of <paramref name="Step"/> are in: report the step with their mean (summed in rank order).</summary>
public sealed record StepCompleted(int Step, float Loss) : CoordinatorEffect;

/// <summary>The mean loss of <paramref name="Step"/> is NaN or infinite: the run fails.</summary>
public sealed record LossNotFinite(int Step, float Loss) : CoordinatorEffect;

/// <summary>Every worker ran all its steps: ask every reducer for its final state.</summary>
public sealed record FinalStatesRequested(int Steps) : CoordinatorEffect;

/// <summary>Every reducer reported its final state: the run is complete.</summary>
public sealed record RunCompleted(IReadOnlyList<FinalStageState> Stages, IReadOnlyList<WorkerFinished> Workers, float FinalLoss) : CoordinatorEffect
{
    /// <summary>The model placement's stage devices' reports (it has no workers); empty otherwise.</summary>
    public IReadOnlyList<StageDeviceFinished> Devices { get; init; } = [];
}

/// <summary>Where a run's coordinator stands.</summary>
public enum CoordinatorPhase
{
    /// <summary>Workers run; losses arrive per micro-batch.</summary>
    Training,

    /// <summary>Every worker finished; the reducers' final states are awaited.</summary>
    Finishing,

    /// <summary>Every final state arrived.</summary>
    Completed,
}

/// <summary>
/// The bookkeeping of a run's coordinator, without actors (pure, like <see cref="Reduce.ReducerState"/>):
/// the per-step losses (a step's mean is the rank-order sum over N, as the reference trainer
/// computes it, so the reported loss is bitwise its), which workers finished, and which reducers
/// reported their final state. Each report is accepted once, in the phase it belongs to.
/// Mutable; owned by one actor.
/// </summary>
public sealed class CoordinatorState
{
    private readonly Dictionary<int, float?[]> _losses = [];
    private readonly WorkerFinished?[] _finished;
    private readonly FinalStageState?[] _finalStates;
    private readonly StageDeviceFinished?[] _devices;

    /// <param name="devices">The model placement's stage devices, which finish instead of the N workers (0: workers finish).</param>
    public CoordinatorState(int workers, int stages, int totalSteps, int firstStep = 0, int devices = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(devices);
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        Workers = workers;
        TotalSteps = totalSteps;
        FirstStep = firstStep;
        _finished = new WorkerFinished?[devices > 0 ? 0 : workers];
        _devices = new StageDeviceFinished?[devices];
        _finalStates = new FinalStageState?[stages];
    }

    public int Workers { get; }

    public int TotalSteps { get; }

    /// <summary>The first step the run trains (after a resume, the cut's).</summary>
    public int FirstStep { get; }

    public CoordinatorPhase Phase { get; private set; }

    /// <summary>The mean loss of the last completed step (NaN before the first).</summary>
    public float LastLoss { get; private set; } = float.NaN;

    /// <summary>Reducers that have reported their final state.</summary>
    /// <summary>The latest step every rank reported; FirstStep − 1 before any.</summary>
    public int LastCompletedStep { get; private set; } = int.MinValue;

    /// <summary>
    /// What the run waits for, for a stall message: the oldest step some rank reported and which ranks
    /// did not, or the step after the last completed one when no rank reported anything since.
    /// </summary>
    public string DescribeWaiting()
    {
        var last = Math.Max(LastCompletedStep, FirstStep - 1);
        if (_losses.Count == 0)
        {
            return last + 1 >= TotalSteps ? "every step is reported; waiting for the workers to finish" : $"no rank has reported step {last + 1} (the last completed step is {last})";
        }

        var oldest = _losses.Keys.Min();
        var missing = Enumerable.Range(0, Workers).Where(rank => _losses[oldest][rank] is null);
        return $"step {oldest} waits for rank(s) {string.Join(", ", missing)} (the last completed step is {last})";
    }

    public int FinalStatesIn => _finalStates.Count(state => state is not null);

    public int Stages => _finalStates.Length;

    public IReadOnlyList<CoordinatorEffect> LossReported(MicroBatchCompleted completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        Expect(CoordinatorPhase.Training, completed);
        CheckRank(completed.Rank);
        if (completed.Step < FirstStep || completed.Step >= TotalSteps)
        {
            throw new InvalidOperationException($"Rank {completed.Rank} reported step {completed.Step} of a run of steps {FirstStep}..{TotalSteps - 1}.");
        }

        if (!_losses.TryGetValue(completed.Step, out var losses))
        {
            losses = new float?[Workers];
            _losses[completed.Step] = losses;
        }

        if (losses[completed.Rank] is not null)
        {
            throw new InvalidOperationException($"Rank {completed.Rank} reported the loss of step {completed.Step} twice.");
        }

        losses[completed.Rank] = completed.Loss;
        if (losses.Any(loss => loss is null))
        {
            return [];
        }

        _losses.Remove(completed.Step);
        LastCompletedStep = Math.Max(LastCompletedStep, completed.Step);
        float sum = 0;
        foreach (var loss in losses)
        {
            sum += loss!.Value;
        }

        LastLoss = sum / Workers;
        return float.IsFinite(LastLoss) ? [new StepCompleted(completed.Step, LastLoss)] : [new LossNotFinite(completed.Step, LastLoss)];
    }

    /// <summary>A stage device of the model placement ran all its ops.</summary>
    public IReadOnlyList<CoordinatorEffect> DeviceFinished(StageDeviceFinished finished)
    {
        ArgumentNullException.ThrowIfNull(finished);
        Expect(CoordinatorPhase.Training, finished);
        if (finished.Device < 0 || finished.Device >= _devices.Length || _devices[finished.Device] is not null)
        {
            throw new InvalidOperationException($"Unexpected report of stage device {finished.Device} ({_devices.Length} devices; a device reports once).");
        }

        _devices[finished.Device] = finished;
        return _devices.Any(device => device is null) ? [] : AllFinished();
    }

    public IReadOnlyList<CoordinatorEffect> WorkerFinished(WorkerFinished finished)
    {
        ArgumentNullException.ThrowIfNull(finished);
        Expect(CoordinatorPhase.Training, finished);
        if (_devices.Length > 0)
        {
            throw new InvalidOperationException($"Rank {finished.Rank} reported finishing, but the model placement's stage devices run this run.");
        }

        CheckRank(finished.Rank);
        if (_finished[finished.Rank] is not null)
        {
            throw new InvalidOperationException($"Rank {finished.Rank} reported finishing twice.");
        }

        _finished[finished.Rank] = finished;
        return _finished.Any(worker => worker is null) ? [] : AllFinished();
    }

    private CoordinatorEffect[] AllFinished()
    {
        Phase = CoordinatorPhase.Finishing;
        return [new FinalStatesRequested(TotalSteps)];
    }

    public IReadOnlyList<CoordinatorEffect> FinalStateArrived(FinalStageState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Expect(CoordinatorPhase.Finishing, state);
        if (state.Stage < 0 || state.Stage >= _finalStates.Length || _finalStates[state.Stage] is not null)
        {
            throw new InvalidOperationException($"Unexpected final state of stage {state.Stage} ({_finalStates.Length} stages; a stage reports once).");
        }

        if (state.Version != TotalSteps)
        {
            throw new InvalidOperationException($"The reducer of stage {state.Stage} reported version {state.Version} as final; the run has {TotalSteps} steps.");
        }

        _finalStates[state.Stage] = state;
        if (_finalStates.Any(stage => stage is null))
        {
            return [];
        }

        Phase = CoordinatorPhase.Completed;
        return [new RunCompleted(_finalStates!, _finished!, LastLoss) { Devices = _devices! }];
    }

    private void Expect(CoordinatorPhase phase, object report)
    {
        if (Phase != phase)
        {
            throw new InvalidOperationException($"{report.GetType().Name} arrived while the run is {Phase}; it belongs to {phase}.");
        }
    }

    private void CheckRank(int rank)
    {
        if (rank < 0 || rank >= Workers)
        {
            throw new InvalidOperationException($"Rank {rank} is not one of the run's {Workers} ranks.");
        }
    }
}
