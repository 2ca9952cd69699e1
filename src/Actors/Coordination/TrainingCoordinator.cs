using System.Diagnostics;
using Akka.Actor;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Reduce;
using CyclicActors.Actors.Workers;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Coordination;

/// <summary>
/// Runs one training in this process: creates a reducer per stage and a worker per rank (ranks are
/// the creation order; the ring is ranks 0..N−1 of epoch 1), owns the data order and sends each
/// worker its sample indices a few steps ahead, starts everyone, turns the workers' per-micro-batch
/// losses into per-step metrics, and at the end gathers the final master parameters and momentum
/// from the reducers. Any child failure fails the whole run (no restarts: a restarted replica would
/// silently lose its place in the schedule).
/// </summary>
public sealed class TrainingCoordinator : UntypedActor
{
    private const long RingEpoch = 1;

    private readonly CoordinatorSetup _setup;
    private readonly Dictionary<int, (float[] Losses, int Count)> _losses = new();
    private readonly WorkerFinished?[] _finished;
    private readonly FinalStageState?[] _finalStates;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<IActorRef> _workers = [];
    private readonly List<IActorRef> _reducers = [];
    private double _lastStepSeconds;
    private float _lastLoss = float.NaN;

    public TrainingCoordinator(CoordinatorSetup setup)
    {
        _setup = setup;
        _finished = new WorkerFinished?[setup.Schedule.Workers];
        _finalStates = new FinalStageState?[setup.Schedule.Stages];
    }

    private int Workers => _setup.Schedule.Workers;

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(error =>
        {
            Fail(error);
            return Directive.Stop;
        });

    protected override void PreStart()
    {
        if (_setup.Placement is { } placed)
        {
            // Cluster hook: children live on member nodes; drive them as they are.
            _workers.AddRange(placed.Workers);
            _reducers.AddRange(placed.Reducers);
        }
        else
        {
            CreateChildren();
        }

        for (int step = 0; step < Math.Min(_setup.Settings.PrefetchSteps, _setup.TotalSteps); step++)
        {
            for (int rank = 0; rank < Workers; rank++)
            {
                AssignSamples(step, rank);
            }
        }

        var start = new StartTraining(RingEpoch);
        _reducers.ForEach(reducer => reducer.Tell(start));
        _workers.ForEach(worker => worker.Tell(start));
    }

    private void CreateChildren()
    {
        var options = _setup.Options;
        var targets = new List<IActorRef>();
        for (int stage = 0; stage < _setup.Schedule.Stages; stage++)
        {
            var reducerSetup = new ReducerSetup(stage, Workers, _setup.InitialStageParameters[stage], options.Training, _setup.TotalSteps,
                PublishMomentum: options.Compensation == DelayCompensation.Lookahead, _setup.ProcessLedger, _setup.Trace);
            var reducer = Context.ActorOf(Props.Create(() => new ReducerActor(reducerSetup)).WithDispatcher(_setup.Settings.ReducerDispatcher), ActorNames.Reducer(stage));
            _reducers.Add(reducer);
            if (options.ContributionShuffleSeed is { } seed)
            {
                int stageSeed = seed + stage;
                targets.Add(Context.ActorOf(Props.Create(() => new ContributionShuffler(reducer, Workers, stageSeed)), ActorNames.ContributionRelay(stage)));
            }
            else
            {
                targets.Add(reducer);
            }
        }

        for (int rank = 0; rank < Workers; rank++)
        {
            var workerSetup = new WorkerSetup(rank, _setup.Schedule, _setup.TotalSteps, options.Compensation, RingEpoch, options.Training,
                _setup.Model, _setup.Partition, _setup.Dataset, options.BackendFactory, _setup.ProcessLedger, targets, _setup.Trace);
            _workers.Add(Context.ActorOf(Props.Create(() => new WorkerActor(workerSetup)).WithDispatcher(_setup.Settings.WorkerDispatcher), ActorNames.Worker(rank)));
        }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case MicroBatchCompleted completed:
                OnMicroBatchCompleted(completed);
                break;
            case WorkerFinished finished:
                _finished[finished.Rank] = finished;
                if (_finished.All(f => f is not null))
                {
                    var request = new FinalStateRequested(_setup.TotalSteps);
                    _reducers.ForEach(reducer => reducer.Tell(request));
                    Context.SetReceiveTimeout(_setup.Settings.FinalStateTimeout);
                }

                break;
            case FinalStageState state:
                _finalStates[state.Stage] = state;
                if (_finalStates.All(s => s is not null))
                {
                    Context.SetReceiveTimeout(null);
                    _setup.Completion.TrySetResult(new CoordinatorReport(_finalStates!, _finished!, _lastLoss, _clock.Elapsed.TotalSeconds));
                }

                break;
            case ReceiveTimeout:
                Fail(new TimeoutException($"Only {_finalStates.Count(s => s is not null)} of {_finalStates.Length} reducers reported their final state within {_setup.Settings.FinalStateTimeout}."));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnMicroBatchCompleted(MicroBatchCompleted completed)
    {
        int next = completed.Step + _setup.Settings.PrefetchSteps;
        if (next < _setup.TotalSteps)
        {
            AssignSamples(next, completed.Rank);
        }

        var (losses, count) = _losses.TryGetValue(completed.Step, out var entry) ? entry : (new float[Workers], 0);
        losses[completed.Rank] = completed.Loss;
        count++;
        if (count < Workers)
        {
            _losses[completed.Step] = (losses, count);
            return;
        }

        _losses.Remove(completed.Step);
        // Summed in rank order, as the reference trainer does, so the reported loss is bitwise its.
        float sum = 0;
        foreach (var loss in losses)
        {
            sum += loss;
        }

        _lastLoss = sum / Workers;
        if (!float.IsFinite(_lastLoss))
        {
            Fail(new NonFiniteLossException(completed.Step, _lastLoss));
            return;
        }

        double now = _clock.Elapsed.TotalSeconds;
        double stepSeconds = now - _lastStepSeconds;
        _lastStepSeconds = now;
        var position = _setup.Order.PositionOf(completed.Step);
        _setup.OnStep?.Invoke(new StepMetrics(completed.Step, position.Epoch, position.StepInEpoch, _setup.Order.StepsPerEpoch, _setup.TotalSteps,
            _lastLoss, _setup.Order.GlobalBatch / Math.Max(stepSeconds, 1e-9), _setup.Sampler.TakeStepPeak(), now));
    }

    private void AssignSamples(int step, int rank)
    {
        var indices = _setup.Order.SampleIndices(_setup.Order.PositionOf(step), rank).ToArray();
        _workers[rank].Tell(new MicroBatchAssigned(step, rank, indices));
    }

    private void Fail(Exception error)
    {
        _setup.Completion.TrySetException(error);
        Context.Stop(Self);
    }
}
