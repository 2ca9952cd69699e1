using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
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
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IComputeBackend? _backend;
    private DeviceBuffer? _master;
    private DeviceBuffer? _incoming;
    private StageOptimizer? _optimizer;
    private IReadOnlyList<IActorRef>? _subscribers;
    private IReadOnlyList<IActorRef>? _ranks;
    private readonly Schedule.ZeroBatonPlan? _batons;
    private (int Steps, IActorRef ReplyTo)? _finalRequest;
    private IActorRef? _cuts;
    private float[][]? _foldedGradients;

    public ReducerActor(ReducerSetup setup)
    {
        _setup = setup;
        _state = new ReducerState(setup.Plan.Schedule.Workers, setup.Plan.FirstStep);
        _track = $"reducer {setup.Stage}";
        _batons = setup.Plan.Options.Parallelism == Parallelism.Zero ? new Schedule.ZeroBatonPlan(setup.Plan.Schedule) : null;
    }

    protected override void PreStart()
    {
        _backend = _setup.Plan.ReducerBackends(_setup.ProcessLedger);
        var resumed = _setup.Plan.Options.Resume?.Stages[_setup.Stage];
        var initial = resumed?.Parameters ?? _setup.Plan.InitialStageParameters[_setup.Stage];
        _master = _backend.Allocate(initial.Length, MemoryTag.Parameters);
        _backend.Upload(initial, _master);
        _incoming = _backend.Allocate(initial.Length, MemoryTag.Gradients);
        _optimizer = new StageOptimizer(_backend, initial.Length, _state.Workers);
        if (resumed is not null)
        {
            _optimizer.SetMomentum(resumed.Momentum);
        }

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
                _ranks = wiring.Ranks;
                _cuts = wiring.Cuts;
                break;
            case StartTraining:
                PublishStart();
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

        // Caught here, before anything of the step is folded, so no cut (and no checkpoint) ever holds it.
        // A skipped step's contributions are never folded, so they may be anything.
        if (!_setup.Plan.SkipsUpdateOf(contribution.Step) && !AllFinite(contribution.Gradient))
        {
            throw new NonFiniteGradientException(contribution.Step, contribution.Rank, _setup.Stage, _setup.Plan.Schedule.Stages);
        }

        _setup.Trace?.Instant(_track, $"grad s{contribution.Step} r{contribution.Rank}", "gradient");
        foreach (var effect in _state.Accept(contribution.Step, contribution.Rank, contribution.Gradient))
        {
            switch (effect)
            {
                case DuplicateRefused refused:
                    _log.Warning("Reducer of stage {0} refused a second copy of rank {1}'s contribution to step {2}; the first is the one folded.", _setup.Stage, refused.Rank, refused.Step);
                    break;
                case FoldContribution fold when _setup.Plan.SkipsUpdateOf(fold.Step):
                    // With look-ahead a cut holds the ranks' last gradients; a skipped step's predict no update, so zeros.
                    KeepForCut(fold with { Gradient = new float[fold.Gradient.Length] });
                    break;
                case FoldContribution fold:
                    _backend!.Upload(fold.Gradient, _incoming!);
                    _optimizer!.Accumulate(fold.Rank, _incoming!);
                    KeepForCut(fold);
                    break;
                case StepFolded folded:
                    int version = _setup.Plan.Schedule.VersionPublishedAfterFolding(folded.Step);
                    var cutting = _setup.Plan.TakesCutAt(version);
                    // θ_{k−1} and its momentum are overwritten by the update: a cut at k copies them first.
                    var previous = cutting && TrainingCut.ReadsPreviousVersion(_setup.Plan.Schedule.Rule, version) ? Download(_master!) : [];
                    var previousMomentum = cutting && TrainingCut.ReadsLastGradients(_setup.Plan.Schedule.Rule, _setup.Plan.Compensation, version) ? Download(_optimizer!.Momentum) : [];
                    if (_setup.Plan.SkipsUpdateOf(folded.Step))
                    {
                        _setup.Trace?.Instant(_track, $"skip s{folded.Step}", "nonfinite");
                    }
                    else
                    {
                        _optimizer!.Apply(_master!, _setup.Plan.Config.SgdAt(folded.Step, _setup.Plan.TotalSteps));
                    }

                    var published = Publish(version, folded.Step);
                    if (cutting)
                    {
                        SendCut(version, published, previous, previousMomentum);
                    }

                    _foldedGradients = null;
                    break;
            }
        }

        // One arrival can complete several buffered steps: only now do the master parameters hold θ_NextStep.
        ReplyIfDone();
    }

    /// <summary>The version the master parameters hold once every effect of an arrival is applied: θ_k after folding k steps.</summary>
    private int Version => _state.NextStep;

    /// <summary>θ_0, or on resume from a cut at k the versions steps k on read: θ_{k−1} (a CDP rule) and θ_k.</summary>
    private void PublishStart()
    {
        var plan = _setup.Plan;
        if (plan.Options.Resume?.Stages[_setup.Stage] is { } resumed && TrainingCut.ReadsPreviousVersion(plan.Schedule.Rule, resumed.Step))
        {
            float[] momentum = plan.Compensation == DelayCompensation.Lookahead ? resumed.PreviousMomentum : [];
            Send(new ParametersPublished(_setup.Stage, resumed.Step - 1, resumed.PreviousParameters, momentum));
        }

        Publish(plan.FirstStep, foldedStep: null);
    }

    /// <summary>Publishes the master's version; after an update (<paramref name="foldedStep"/>) only if the update left it finite.</summary>
    private ParametersPublished Publish(int version, int? foldedStep)
    {
        var parameters = Download(_master!);
        if (foldedStep is { } step && !AllFinite(parameters))
        {
            throw new NonFiniteParametersException(step, _setup.Stage, _setup.Plan.Schedule.Stages);
        }

        float[] momentum = _setup.Plan.Compensation == DelayCompensation.Lookahead ? Download(_optimizer!.Momentum) : [];
        var published = new ParametersPublished(_setup.Stage, version, parameters, momentum);
        Send(published);
        return published;
    }

    private void Send(ParametersPublished published)
    {
        InjectFaults(published.Version);
        var subscribers = _subscribers ?? throw new InvalidOperationException($"The reducer of stage {_setup.Stage} was started before it was wired to its subscribers.");
        if (_batons is not null)
        {
            // ZeRO: only each step's first reader of the version gets it from here; the rest get it as a baton.
            var ranks = _ranks ?? throw new InvalidOperationException($"The reducer of stage {_setup.Stage} runs the ZeRO placement but was wired without the ranks.");
            subscribers = [.. _batons.OwnerRecipients(_setup.Stage + 1, published.Version, _setup.Plan.FirstStep, _setup.Plan.TotalSteps).Select(rank => ranks[rank])];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Tell(published);
        }

        _setup.Trace?.Instant(_track, $"publish v{published.Version}", "parameters");
    }

    private void InjectFaults(int version)
    {
        if (_setup.Faults?.KillsAtPublication(version) == true)
        {
            Settings.InjectedFaults.KillThisProcess($"the reducer of stage {_setup.Stage}, about to publish version {version},");
        }

        if (_setup.Faults?.CutsLinksAtPublication(version) == true && _setup.CutLinks is { } cutLinks)
        {
            _log.Warning("Fault injection: the reducer of stage {0} cuts this node's cluster links as it publishes version {1} (cyclic-actors.fault-injection).", _setup.Stage, version);
            cutLinks();
        }
    }

    /// <summary>With look-ahead, a cut at k holds every rank's gradient of step k − 1: the contributions being folded.</summary>
    private void KeepForCut(FoldContribution fold)
    {
        var version = fold.Step + 1;
        if (!_setup.Plan.TakesCutAt(version) || !TrainingCut.ReadsLastGradients(_setup.Plan.Schedule.Rule, _setup.Plan.Compensation, version))
        {
            return;
        }

        _foldedGradients ??= new float[_state.Workers][];
        _foldedGradients[fold.Rank] = fold.Gradient;
    }

    private void SendCut(int step, ParametersPublished published, float[] previous, float[] previousMomentum)
    {
        var target = _cuts ?? throw new InvalidOperationException($"The reducer of stage {_setup.Stage} takes cuts but was wired with nowhere to send them.");
        // The published copies are not shared with the optimizer, so the cut may hold them.
        var momentum = published.Momentum.Length == published.Parameters.Length ? published.Momentum : Download(_optimizer!.Momentum);
        target.Tell(new StageCut(_setup.Stage, step, published.Parameters, momentum, previous, previousMomentum, _foldedGradients ?? []));
        _setup.Trace?.Instant(_track, $"cut at {step}", "checkpoint");
    }

    private static bool AllFinite(float[] values)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }

    private void ReplyIfDone()
    {
        if (_finalRequest is { } request && Version >= request.Steps)
        {
            request.ReplyTo.Tell(new FinalStageState(_setup.Stage, Version, Download(_master!), Download(_optimizer!.Momentum), _state.Folded, _state.RefusedTwice));
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
