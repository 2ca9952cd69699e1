using Akka.Actor;
using CyclicActors.Actors.Protocol;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// The reducer of one stage: owns the stage's master parameters and momentum (a
/// <see cref="StageOptimizer"/> on a CPU backend), accepts gradient contributions in any order,
/// folds them in rank order through its <see cref="ReducerState"/>, and when all N of a step are in
/// applies SGD and publishes the next version to every worker. Folding step t publishes θ_{t+1}
/// under every rule (see <see cref="Schedule.CdpSchedule.VersionPublishedAfterFolding"/>).
/// </summary>
public sealed class ReducerActor : UntypedActor
{
    private readonly ReducerSetup _setup;
    private readonly ReducerState _state;
    private readonly string _track;
    private CpuBackend? _backend;
    private DeviceBuffer? _master;
    private DeviceBuffer? _incoming;
    private StageOptimizer? _optimizer;
    private int _version;
    private (int Steps, IActorRef ReplyTo)? _finalRequest;

    public ReducerActor(ReducerSetup setup)
    {
        _setup = setup;
        _state = new ReducerState(setup.Workers);
        _track = $"reducer {setup.Stage}";
    }

    protected override void PreStart()
    {
        _backend = new CpuBackend(new MemoryLedger(_setup.ProcessLedger));
        long length = _setup.InitialParameters.Length;
        _master = _backend.Allocate(length, MemoryTag.Parameters);
        _backend.Upload(_setup.InitialParameters, _master);
        _incoming = _backend.Allocate(length, MemoryTag.Gradients);
        _optimizer = new StageOptimizer(_backend, length, _setup.Workers);
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
            case StartTraining:
                Publish();
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
                    _optimizer!.Apply(_master!, _setup.Training.SgdAt(folded.Step, _setup.TotalSteps));
                    _version++;
                    Publish();
                    ReplyIfDone();
                    break;
            }
        }
    }

    private void Publish()
    {
        var parameters = Download(_master!);
        float[] momentum = _setup.PublishMomentum ? Download(_optimizer!.Momentum) : [];
        Context.ActorSelection(_setup.WorkerSelection).Tell(new ParametersPublished(_setup.Stage, _version, parameters, momentum));
        _setup.Trace?.Instant(_track, $"publish v{_version}", "parameters");
    }

    private void ReplyIfDone()
    {
        if (_finalRequest is { } request && _version >= request.Steps)
        {
            request.ReplyTo.Tell(new FinalStageState(_setup.Stage, _version, Download(_master!), Download(_optimizer!.Momentum)));
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
