using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Stages;

/// <summary>What a stage device's state says to do next.</summary>
public abstract record StageDeviceDecision;

/// <summary>
/// Run <paramref name="Op"/> (1-based stage, as in the schedule) of rank <see cref="ScheduledOp.Worker"/>
/// with <paramref name="Parameters"/>, the version its rule reads, at the look-ahead point when
/// <paramref name="Lookahead"/>. <paramref name="Input"/> is what arrived from the neighbouring device
/// (the previous stage's output for a first forward, the next stage's output gradient for a last
/// backward), null when the op's input is on this device.
/// </summary>
public sealed record RunStageOp(ScheduledOp Op, ParametersPublished Parameters, bool Lookahead, float[]? Input) : StageDeviceDecision
{
    public int StageIndex => Op.Stage - 1;
}

/// <summary>The op waits for the previous device's activation (<paramref name="Forward"/>) or the next device's gradient.</summary>
public sealed record WaitForNeighbour(ScheduledOp Op, bool Forward) : StageDeviceDecision;

/// <summary>The op waits for its stage to fold the step that makes <paramref name="Version"/>.</summary>
public sealed record WaitForVersion(ScheduledOp Op, int Version) : StageDeviceDecision;

/// <summary>Every op of every step has run.</summary>
public sealed record DeviceFinished : StageDeviceDecision;

/// <summary>
/// The decisions of one device of the model placement (cdp-method.md §3.5(c)), without actors or
/// buffers: its ops (forward and backward of every micro-batch on its stages) in the schedule's tick
/// order, which input each waits for, the versions of its stages that some op will still read, and
/// the neighbours' messages that arrived early. Running the ops in tick order never deadlocks: every
/// input of an op comes from an op at an earlier tick. Mutable; owned by one actor.
/// </summary>
public sealed class StageDeviceState
{
    private readonly IEnumerator<ScheduledOp> _ops;
    private ScheduledOp? _next;
    private readonly SortedDictionary<int, ParametersPublished>[] _versions;
    private readonly Dictionary<(int Step, int Rank), float[]> _activations = [];
    private readonly Dictionary<(int Step, int Rank), float[]> _gradients = [];

    /// <param name="stages">The 1-based stages this device runs, contiguous and ascending.</param>
    public StageDeviceState(CdpSchedule schedule, IReadOnlyList<int> stages, int firstStep, int totalSteps, DelayCompensation compensation)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count == 0 || stages.Zip(stages.Skip(1)).Any(pair => pair.Second != pair.First + 1) || stages[0] < 1 || stages[^1] > schedule.Stages)
        {
            throw new ArgumentException($"A stage device runs contiguous stages of 1..{schedule.Stages}; got {string.Join(",", stages)}.", nameof(stages));
        }

        Schedule = schedule;
        Stages = stages;
        Compensation = compensation;
        _ops = OpsInTickOrder(schedule, stages, firstStep, totalSteps).GetEnumerator();
        _next = _ops.MoveNext() ? _ops.Current : null;
        _versions = [.. Enumerable.Range(0, schedule.Stages).Select(_ => new SortedDictionary<int, ParametersPublished>())];
    }

    public CdpSchedule Schedule { get; }

    public IReadOnlyList<int> Stages { get; }

    public DelayCompensation Compensation { get; }

    public int FirstStage => Stages[0];

    public int LastStage => Stages[^1];

    /// <summary>
    /// The ops of <paramref name="stages"/> for steps <paramref name="firstStep"/>..<paramref name="totalSteps"/> − 1,
    /// by tick, then rank (a rank runs one op per tick), produced tick by tick as they are consumed.
    /// </summary>
    public static IEnumerable<ScheduledOp> OpsInTickOrder(CdpSchedule schedule, IReadOnlyList<int> stages, int firstStep, int totalSteps)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(stages);
        return totalSteps <= firstStep ? [] : Ticks();

        IEnumerable<ScheduledOp> Ticks()
        {
            // From rank 0's first forward of the first step to the last rank's last backward of the last.
            var last = schedule.TickOf(totalSteps - 1, schedule.Workers - 1, 1, OpKind.Backward);
            for (var tick = (long)schedule.CycleLength * firstStep; tick <= last; tick++)
            {
                for (var rank = 0; rank < schedule.Workers; rank++)
                {
                    if (schedule.OpAt(rank, tick) is { } op && op.Step >= firstStep && op.Step < totalSteps && stages.Contains(op.Stage))
                    {
                        yield return op;
                    }
                }
            }
        }
    }

    /// <summary>The device's own stage made a version (0-based <see cref="ParametersPublished.Stage"/>); versions no op reads any more are dropped.</summary>
    public void VersionMade(ParametersPublished published)
    {
        ArgumentNullException.ThrowIfNull(published);
        if (!Stages.Contains(published.Stage + 1))
        {
            throw new InvalidOperationException($"Stage {published.Stage} is not on this device (stages {string.Join(",", Stages)}).");
        }

        var versions = _versions[published.Stage];
        if (!versions.TryAdd(published.Version, published))
        {
            throw new InvalidOperationException($"Stage {published.Stage} made version {published.Version} twice.");
        }

        // Version v exists once step v − 1 is folded: every later op reads θ_v or θ_{v−1}.
        foreach (var old in versions.Keys.Where(version => version < published.Version - 1).ToArray())
        {
            versions.Remove(old);
        }
    }

    /// <summary>The versions of a stage (0-based) the device keeps.</summary>
    public IReadOnlyCollection<int> KeptVersions(int stageIndex) => _versions[stageIndex].Keys;

    /// <summary>The previous device's output for (step, rank): the input of this device's first stage.</summary>
    public void ActivationArrived(ActivationPassed activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Arrived(_activations, activation.Stage == FirstStage - 1 && FirstStage > 1, activation.Step, activation.Rank, activation.Values, $"an activation for stage {activation.Stage}");
    }

    /// <summary>The next device's gradient for the output of this device's last stage.</summary>
    public void GradientArrived(OutputGradientPassed gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        Arrived(_gradients, gradient.Stage == LastStage - 1 && LastStage < Schedule.Stages, gradient.Step, gradient.Rank, gradient.Values, $"an output gradient of stage {gradient.Stage}");
    }

    public StageDeviceDecision Decide()
    {
        if (_next is not { } op)
        {
            return new DeviceFinished();
        }

        float[]? input = null;
        var key = (op.Step, op.Worker);
        if (op.Kind == OpKind.Forward && op.Stage == FirstStage && FirstStage > 1 && !_activations.TryGetValue(key, out input))
        {
            return new WaitForNeighbour(op, Forward: true);
        }

        if (op.Kind == OpKind.Backward && op.Stage == LastStage && LastStage < Schedule.Stages && !_gradients.TryGetValue(key, out input))
        {
            return new WaitForNeighbour(op, Forward: false);
        }

        var version = Schedule.RequiredVersion(op.Step, op.Worker, op.Stage);
        return _versions[op.Stage - 1].TryGetValue(version, out var parameters)
            ? new RunStageOp(op, parameters, UsesLookahead(op), input)
            : new WaitForVersion(op, version);
    }

    /// <summary>The op <paramref name="run"/> (the last decision) has been carried out; its input is dropped.</summary>
    public void Complete(RunStageOp run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (_next != run.Op)
        {
            throw new InvalidOperationException($"Completed {run.Op}, but the next op of the device is {(_next?.ToString() ?? "none")}.");
        }

        (run.Op.Kind == OpKind.Forward ? _activations : _gradients).Remove((run.Op.Step, run.Op.Worker));
        _next = _ops.MoveNext() ? _ops.Current : null;
    }

    /// <summary>Whether the op runs at its rank's look-ahead point instead of θ_{step−1} (as the data placement's worker would).</summary>
    public bool UsesLookahead(ScheduledOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        return CompensationForRule.UsesLookahead(Schedule, Compensation, op.Worker, op.Stage, op.Step);
    }

    private void Arrived(Dictionary<(int Step, int Rank), float[]> inbox, bool forThisDevice, int step, int rank, float[] values, string what)
    {
        if (!forThisDevice || rank < 0 || rank >= Schedule.Workers)
        {
            throw new InvalidOperationException($"The device of stages {string.Join(",", Stages)} got {what} of rank {rank}, which it does not take.");
        }

        if (!inbox.TryAdd((step, rank), values))
        {
            throw new InvalidOperationException($"The device of stages {string.Join(",", Stages)} got {what} of step {step}, rank {rank} twice.");
        }
    }
}
