using System.Diagnostics;
using Akka.Actor;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Runtime;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Coordination;

/// <summary>
/// Runs one training: in one process it builds and wires the workers and reducers through the
/// <see cref="RuntimeBuilder"/> (in a cluster it drives the placed ones), starts everyone, turns the
/// workers' per-micro-batch losses into per-step metrics, and at the end gathers the final master
/// parameters and momentum from the reducers. The bookkeeping is its <see cref="CoordinatorState"/>;
/// the actor switches behaviour with the state's phase. Any child failure fails the whole run (no
/// restarts: a restarted replica would silently lose its place in the schedule). A run in which no
/// micro-batch completes for the stall timeout fails with <see cref="RunStalledException"/>.
/// </summary>
public sealed class TrainingCoordinator : ReceiveActor, IWithTimers
{
    private const string StallKey = "stall";
    private readonly CoordinatorSetup _setup;
    private readonly CoordinatorState _state;
    private readonly CutAssembler _cuts;
    private readonly HashSet<int> _cutsDelivered = [];
    private CoordinatorReport? _completedAwaitingCuts;

    // With reducer shards, each stage's final state and cuts arrive as one slice per shard.
    private readonly Reduce.ShardAssembly? _shards;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private IReadOnlyList<IActorRef> _reducers = [];
    private DevicePacer? _pacer;
    private double _lastStepSeconds;
    private TimeSpan _lastProgress;

    public ITimerScheduler Timers { get; set; } = null!;

    public TrainingCoordinator(CoordinatorSetup setup)
    {
        _setup = setup;
        var plan = setup.Plan;
        _state = new CoordinatorState(plan.Schedule.Workers, plan.Schedule.Stages, plan.TotalSteps, plan.FirstStep,
            devices: plan.Options.Parallelism == Planning.Parallelism.Model ? plan.ModelPlacement.Devices.Count : 0);
        _cuts = new CutAssembler(plan.Schedule.Stages);
        _shards = plan.Options.ReducerShards > 1 ? new Reduce.ShardAssembly([.. plan.InitialStageParameters.Select(stage => (long)stage.Length)], plan.Options.ReducerShards) : null;
        Become(Training);
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new RunFailureStrategy(error =>
        {
            Fail(error);
            return Directive.Stop;
        });

    protected override void PreStart()
    {
        IReadOnlyList<IActorRef> workers;
        if (_setup.Placement is { } placed)
        {
            (workers, _reducers) = (placed.Workers, placed.Reducers);
        }
        else if (_setup.Plan.Options.Parallelism == Planning.Parallelism.Model)
        {
            // The stage devices hold the stages' masters: they answer the final-state request as reducers do.
            workers = [];
            _reducers = [.. RuntimeBuilder.BuildStageDevices(Context, _setup.Plan, _setup.Settings, _setup.ProcessLedger, _setup.Trace, Self).OrderBy(pair => pair.Key).Select(pair => pair.Value)];
        }
        else
        {
            var schedule = _setup.Plan.Schedule;
            _pacer = _setup.Plan.CreatePacer([.. Enumerable.Range(0, schedule.Workers)], _setup.Settings.PacingPatience);
            _pacer.CancelOnShutdown(Context.System);
            var build = new NodeBuild(_setup.Plan, NodeBuild.SingleNode(Self.Path.Name, schedule.Workers, schedule.Stages, _setup.Plan.Options.ReducerShards),
                SelfIndex: 0, _setup.Settings, _setup.ProcessLedger, _setup.Trace, _pacer);
            var parts = RuntimeBuilder.Build(Context, build, (stage, shard) => throw new InvalidOperationException($"Stage {stage} (shard {shard}) has no reducer in a one-process run."));
            IActorRef NoRemoteRank(int rank) => throw new InvalidOperationException($"Rank {rank} has no worker in a one-process run.");
            RuntimeBuilder.Wire(parts, schedule.Workers, NoRemoteRank, Self, remoteSubscribers: [],
                remoteBatonTarget: _setup.Plan.Options.Parallelism == Planning.Parallelism.Zero ? NoRemoteRank : null);
            workers = [.. parts.Workers.OrderBy(pair => pair.Key).Select(pair => pair.Value)];
            _reducers = [.. parts.Reducers.OrderBy(pair => pair.Key).Select(pair => pair.Value)];
        }

        if (_setup.Settings.StallTimeout is { } stall)
        {
            // Checked a few times per timeout, so a stall is named at most a fifth of it late.
            Timers.StartPeriodicTimer(StallKey, StallCheck.Instance, stall / 5);
        }

        var start = new StartTraining(RingEpoch: 1);
        foreach (var actor in _reducers.Concat(workers))
        {
            actor.Tell(start);
        }
    }

    private void Training()
    {
        Receive<MicroBatchCompleted>(completed =>
        {
            _lastProgress = _clock.Elapsed;
            Carry(() => _state.LossReported(completed));
        });
        Receive<StallCheck>(_ =>
        {
            if (_setup.Settings.StallTimeout is { } stall && _clock.Elapsed - _lastProgress > stall)
            {
                Fail(new RunStalledException(stall, _state.DescribeWaiting()));
            }
        });
        Receive<WorkerFinished>(finished => Carry(() => _state.WorkerFinished(finished)));
        Receive<StageDeviceFinished>(finished => Carry(() => _state.DeviceFinished(finished)));
        Receive<StageCut>(CutTaken);
    }

    private void Finishing()
    {
        Receive<FinalStageState>(share => Carry(() => (_shards is null ? share : _shards.Accept(share)) is { } state ? _state.FinalStateArrived(state) : []));
        Receive<StageCut>(CutTaken);
        Receive<ReceiveTimeout>(_ => Fail(new TimeoutException(_completedAwaitingCuts is null
            ? $"Only {_state.FinalStatesIn} of {_state.Stages} reducers reported their final state within {_setup.Settings.FinalStateTimeout}."
            : $"Every reducer reported its final state, but the cuts at steps {string.Join(", ", MissingCuts())} did not arrive within {_setup.Settings.FinalStateTimeout}.")));
    }

    /// <summary>Applies a report to the state and carries out its effects; a report the state refuses fails the run (a restart would rebuild the workers).</summary>
    private void Carry(Func<IReadOnlyList<CoordinatorEffect>> report)
    {
        IReadOnlyList<CoordinatorEffect> effects;
        try
        {
            effects = report();
        }
        catch (InvalidOperationException e)
        {
            Fail(e);
            return;
        }

        foreach (var effect in effects)
        {
            switch (effect)
            {
                case StepCompleted completed:
                    ReportStep(completed);
                    break;
                case LossNotFinite notFinite when _setup.Plan.SkipsUpdateOf(notFinite.Step):
                    ReportStep(new StepCompleted(notFinite.Step, notFinite.Loss)); // a skipped step: its loss is reported as it was
                    break;
                case LossNotFinite notFinite:
                    Fail(new NonFiniteLossException(notFinite.Step, notFinite.Loss));
                    return;
                case FinalStatesRequested requested:
                    Timers.Cancel(StallKey);
                    Become(Finishing);
                    var request = new FinalStateRequested(requested.Steps);
                    foreach (var reducer in _reducers)
                    {
                        reducer.Tell(request);
                    }

                    Context.SetReceiveTimeout(_setup.Settings.FinalStateTimeout);
                    break;
                case RunCompleted completed:
                    var finished = new CoordinatorReport(completed.Stages, completed.Workers, completed.FinalLoss, _clock.Elapsed.TotalSeconds) { Devices = completed.Devices };
                    if (MissingCuts().Any())
                    {
                        // On a cluster a cut crosses on another link than the final states and can come after them: the run ends with it.
                        _completedAwaitingCuts = finished;
                        break;
                    }

                    Complete(finished);
                    break;
            }
        }
    }

    /// <summary>A reducer's share of a cut; a complete cut goes to the run's cut sink (a checkpoint writer).</summary>
    private void CutTaken(StageCut share)
    {
        try
        {
            if ((_shards is null ? share : _shards.Accept(share)) is not { } whole)
            {
                return;
            }

            foreach (var cut in _cuts.Accept(whole))
            {
                _setup.Plan.Options.OnCut?.Invoke(cut with { Workers = _setup.Plan.Schedule.Workers, SkippedSteps = [.. _setup.Plan.Options.SkippedSteps.Order()] });
                _cutsDelivered.Add(cut.Step);
            }

            if (_completedAwaitingCuts is { } report && !MissingCuts().Any())
            {
                Complete(report);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            Fail(e);
        }
    }

    private void Complete(CoordinatorReport report)
    {
        Context.SetReceiveTimeout(null);
        _setup.Completion.TrySetResult(report);
    }

    /// <summary>The cuts the plan takes (every version it makes that <see cref="TrainingPlan.TakesCutAt"/>) not yet handed to the run's sink.</summary>
    private IEnumerable<int> MissingCuts() =>
        Enumerable.Range(_setup.Plan.FirstStep + 1, Math.Max(0, _setup.Plan.TotalSteps - _setup.Plan.FirstStep)).Where(step => _setup.Plan.TakesCutAt(step) && !_cutsDelivered.Contains(step));

    private void ReportStep(StepCompleted completed)
    {
        double now = _clock.Elapsed.TotalSeconds;
        double stepSeconds = now - _lastStepSeconds;
        _lastStepSeconds = now;
        var order = _setup.Plan.Order;
        var position = order.PositionOf(completed.Step);
        _setup.OnStep?.Invoke(new StepMetrics(completed.Step, position.Epoch, position.StepInEpoch, order.StepsPerEpoch, _setup.Plan.TotalSteps,
            completed.Loss, order.GlobalBatch / Math.Max(stepSeconds, 1e-9), _setup.Sampler.TakeStepPeak(), now, _setup.Sampler.ReservedBytes));
    }

    private sealed class StallCheck
    {
        public static readonly StallCheck Instance = new();
    }

    // A worker blocked by the pacing must not outlive the run it was waiting in.
    protected override void PostStop() => _pacer?.Cancel("the run ended");

    private void Fail(Exception error)
    {
        _pacer?.Cancel(error.Message);
        _setup.Completion.TrySetException(error);
        Context.Stop(Self);
    }
}
