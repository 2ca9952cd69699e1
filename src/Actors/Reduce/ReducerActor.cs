using Akka.Actor;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Protocol;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// The reducer of one stage: owns the stage's master parameters and momentum (a
/// <see cref="StageOptimizer"/> on the backend the plan's reducer factory builds, the CPU by
/// default), accepts gradient contributions in any order, folds them in rank order through its
/// <see cref="ReducerState"/>, and when all N of a step are in applies SGD and publishes the next
/// version to its subscribers (<see cref="ReducerWired"/>). Folding step t publishes θ_{t+1} under
/// every rule (see <see cref="Schedule.CdpSchedule.VersionPublishedAfterFolding"/>), so the version
/// it holds is the number of steps its state has folded.
/// </summary>
public sealed class ReducerActor : UntypedActor
{
    private readonly ReducerSetup _setup;
    private readonly ReducerState _state;
    private readonly string _track;
    private IComputeBackend? _backend;
    private DeviceBuffer? _master;
    private DeviceBuffer? _incoming;
    private StageOptimizer? _optimizer;
    private IReadOnlyList<IActorRef>? _subscribers;
    private (int Steps, IActorRef ReplyTo)? _finalRequest;

    public ReducerActor(ReducerSetup setup)
    {
        _setup = setup;
        _state = new ReducerState(setup.Plan.Schedule.Workers);
        _track = $"reducer {setup.Stage}";
    }

    protected override void PreStart()
    {
        _backend = _setup.Plan.ReducerBackends(_setup.ProcessLedger);
        var initial = _setup.Plan.InitialStageParameters[_setup.Stage];
        _master = _backend.Allocate(initial.Length, MemoryTag.Parameters);
        _backend.Upload(initial, _master);
        _incoming = _backend.Allocate(initial.Length, MemoryTag.Gradients);
        _optimizer = new StageOptimizer(_backend, initial.Length, _state.Workers);
        _setup.Trace?.RegisterTrack(_track);
    }

    protected override void PostStop()
    {
        _optimizer?.Dispose();
        _incoming?.Dispose();
        _master?.Dispose();
        _backend?.Dispose();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReducerWired wiring:
                _subscribers = wiring.Subscribers;
                break;
            case StartTraining:
                Publish(version: 0);
                break;
            case GradientContributed contribution:
                Accept(contribution);
                break;
            case FinalStateRequested request:
                _finalRequest = (request.Steps, Sender);
                ReplyIfDone();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Accept(GradientContributed contribution)
    {
        if (contribution.Stage != _setup.Stage || contribution.Gradient.Length != _master!.Length)
        {
            throw new InvalidOperationException(
                $"Reducer of stage {_setup.Stage} ({_master!.Length} parameters) got a gradient of stage {contribution.Stage} with {contribution.Gradient.Length} values.");
        }

        _setup.Trace?.Instant(_track, $"grad s{contribution.Step} r{contribution.Rank}", "gradient");
        foreach (var effect in _state.Accept(contribution.Step, contribution.Rank, contribution.Gradient))
        {
            switch (effect)
            {
                case FoldContribution fold:
                    _backend!.Upload(fold.Gradient, _incoming!);
                    _optimizer!.Accumulate(fold.Rank, _incoming!);
                    break;
                case StepFolded folded:
                    _optimizer!.Apply(_master!, _setup.Plan.Config.SgdAt(folded.Step, _setup.Plan.TotalSteps));
                    Publish(_setup.Plan.Schedule.VersionPublishedAfterFolding(folded.Step));
                    break;
            }
        }

        // One arrival can complete several buffered steps: only now do the master parameters hold θ_NextStep.
        ReplyIfDone();
    }

    /// <summary>The version the master parameters hold once every effect of an arrival is applied: θ_k after folding k steps.</summary>
    private int Version => _state.NextStep;

    private void Publish(int version)
    {
        var subscribers = _subscribers ?? throw new InvalidOperationException($"The reducer of stage {_setup.Stage} was started before it was wired to its subscribers.");
        var parameters = Download(_master!);
        float[] momentum = _setup.Plan.Compensation == DelayCompensation.Lookahead ? Download(_optimizer!.Momentum) : [];
        var published = new ParametersPublished(_setup.Stage, version, parameters, momentum);
        foreach (var subscriber in subscribers)
        {
            subscriber.Tell(published);
        }

        _setup.Trace?.Instant(_track, $"publish v{version}", "parameters");
    }

    private void ReplyIfDone()
    {
        if (_finalRequest is { } request && Version >= request.Steps)
        {
            request.ReplyTo.Tell(new FinalStageState(_setup.Stage, Version, Download(_master!), Download(_optimizer!.Momentum)));
            _finalRequest = null;
        }
    }

    private float[] Download(TensorView view)
    {
        var values = new float[view.Length];
        _backend!.Download(view, values);
        return values;
    }
}
