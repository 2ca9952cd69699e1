using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Reduce;

/// <summary>What folding a contribution led to.</summary>
public abstract record StageMasterEvent;

/// <summary>A new version of the stage (or, at the start, one the run reads first): to publish.</summary>
public sealed record VersionMade(ParametersPublished Published) : StageMasterEvent;

/// <summary>A cut the plan takes at this step boundary: the stage's share, to the cut assembler.</summary>
public sealed record CutMade(StageCut Cut) : StageMasterEvent;

/// <summary>A second copy of a rank's contribution to a step, dropped (the first is the one folded).</summary>
public sealed record SecondCopyDropped(int Step, int Rank) : StageMasterEvent;

/// <summary>Every rank's contribution to a skipped step arrived; the version is made without an update.</summary>
public sealed record UpdateSkipped(int Step) : StageMasterEvent;

/// <summary>
/// The single copy of one stage's master parameters and momentum and the fold of its gradients in
/// rank order (<see cref="ReducerState"/>, <see cref="StageOptimizer"/>): what a stage reducer runs in
/// the data and ZeRO placements and what a stage device runs itself in the model placement, so both
/// make the same versions bitwise. With reducer shards it holds one shard's slice of the stage
/// (<see cref="ReducerShards.Range"/>) and folds that slice of each contribution. Given
/// <see cref="GradientBuffers"/>, it gives each contribution's array back once folded, unless a cut
/// keeps it. Not thread-safe; owned by one actor, on that actor's backend.
/// </summary>
public sealed class StageMaster : IDisposable
{
    private readonly TrainingPlan _plan;
    private readonly IComputeBackend _backend;
    private readonly ReducerState _state;
    private readonly DeviceBuffer _master;
    private readonly DeviceBuffer _incoming;
    private readonly StageOptimizer _optimizer;
    private readonly GradientBuffers? _buffers;
    private float[][]? _foldedGradients;

    /// <param name="buffers">Where folded contributions' arrays go back to; none where the sender still reads them (a stage device keeps its own).</param>
    public StageMaster(int stage, TrainingPlan plan, IComputeBackend backend, int shard = 0, GradientBuffers? buffers = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(backend);
        Stage = stage;
        Shard = shard;
        _plan = plan;
        _backend = backend;
        _buffers = buffers;
        _state = new ReducerState(plan.Schedule.Workers, plan.FirstStep);
        var resumed = plan.Options.Resume?.Stages[stage];
        var initial = Mine(resumed?.Parameters ?? plan.InitialStageParameters[stage]);
        _master = backend.Allocate(initial.Length, MemoryTag.Parameters);
        backend.Upload(initial, _master);
        _incoming = backend.Allocate(initial.Length, MemoryTag.Gradients);
        _optimizer = new StageOptimizer(backend, initial.Length, _state.Workers);
        if (resumed is not null)
        {
            _optimizer.SetMomentum(Mine(resumed.Momentum));
        }
    }

    /// <summary>The stage, 0-based.</summary>
    public int Stage { get; }

    /// <summary>The shard of the stage this master holds (0 of 1 without reducer shards).</summary>
    public int Shard { get; }

    /// <summary>The version the master holds: θ_k after folding k steps.</summary>
    public int Version => _state.NextStep;

    public long Length => _master.Length;

    /// <summary>θ_0, or on resume from a cut at k the versions steps k on read: θ_{k−1} (a CDP rule) and θ_k.</summary>
    public IReadOnlyList<ParametersPublished> Start()
    {
        var made = new List<ParametersPublished>(2);
        if (_plan.Options.Resume?.Stages[Stage] is { } resumed && TrainingCut.ReadsPreviousVersion(_plan.Schedule.Rule, resumed.Step))
        {
            float[] momentum = _plan.Compensation == DelayCompensation.Lookahead ? resumed.PreviousMomentum : [];
            made.Add(new ParametersPublished(Stage, resumed.Step - 1, Mine(resumed.PreviousParameters), Mine(momentum)) { Shard = Shard });
        }

        made.Add(Current(_plan.FirstStep, foldedStep: null));
        return made;
    }

    /// <summary>Folds a contribution (in any arrival order: the fold is in rank order) and makes the versions it completes.</summary>
    /// <exception cref="NonFiniteGradientException">A gradient of a step that is not skipped holds a NaN or infinity.</exception>
    /// <exception cref="NonFiniteParametersException">An update made a NaN or infinite parameter.</exception>
    public IReadOnlyList<StageMasterEvent> Accept(GradientContributed contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        if (contribution.Stage != Stage || contribution.Shard != Shard || contribution.Gradient.Length != _master.Length)
        {
            throw new InvalidOperationException(
                $"Stage {Stage} shard {Shard} ({_master.Length} parameters) got a gradient of stage {contribution.Stage} shard {contribution.Shard} with {contribution.Gradient.Length} values.");
        }

        // Caught here, before anything of the step is folded, so no cut (and no checkpoint) ever holds it.
        // A skipped step's contributions are never folded, so they may be anything.
        if (!_plan.SkipsUpdateOf(contribution.Step) && !AllFinite(contribution.Gradient))
        {
            throw new NonFiniteGradientException(contribution.Step, contribution.Rank, Stage, _plan.Schedule.Stages);
        }

        var events = new List<StageMasterEvent>();
        foreach (var effect in _state.Accept(contribution.Step, contribution.Rank, contribution.Gradient))
        {
            switch (effect)
            {
                case DuplicateRefused refused:
                    events.Add(new SecondCopyDropped(refused.Step, refused.Rank));
                    break;
                case FoldContribution fold when _plan.SkipsUpdateOf(fold.Step):
                    // With look-ahead a cut holds the ranks' last gradients; a skipped step's predict no update, so zeros.
                    KeepForCut(fold with { Gradient = new float[fold.Gradient.Length] });
                    _buffers?.Return(fold.Gradient);
                    break;
                case FoldContribution fold:
                    _backend.Upload(fold.Gradient, _incoming);
                    _optimizer.Accumulate(fold.Rank, _incoming);
                    if (!KeepForCut(fold))
                    {
                        _buffers?.Return(fold.Gradient);
                    }

                    break;
                case StepFolded folded:
                    Update(folded.Step, events);
                    break;
            }
        }

        return events;
    }

    /// <summary>The stage's state once it has folded every step (the coordinator's final request).</summary>
    public FinalStageState Final() => new(Stage, Version, Download(_master), Download(_optimizer.Momentum), _state.Folded, _state.RefusedTwice) { Shard = Shard };

    public void Dispose()
    {
        _optimizer.Dispose();
        _incoming.Dispose();
        _master.Dispose();
    }

    private void Update(int step, List<StageMasterEvent> events)
    {
        int version = _plan.Schedule.VersionPublishedAfterFolding(step);
        var cutting = _plan.TakesCutAt(version);
        // θ_{k−1} and its momentum are overwritten by the update: a cut at k copies them first.
        var previous = cutting && TrainingCut.ReadsPreviousVersion(_plan.Schedule.Rule, version) ? Download(_master) : [];
        var previousMomentum = cutting && TrainingCut.ReadsLastGradients(_plan.Schedule.Rule, _plan.Compensation, version) ? Download(_optimizer.Momentum) : [];
        if (_plan.SkipsUpdateOf(step))
        {
            events.Add(new UpdateSkipped(step));
        }
        else
        {
            _optimizer.Apply(_master, _plan.Config.SgdAt(step, _plan.TotalSteps));
        }

        var published = Current(version, step);
        events.Add(new VersionMade(published));
        if (cutting)
        {
            // The published copies are not shared with the optimizer, so the cut may hold them.
            var momentum = published.Momentum.Length == published.Parameters.Length ? published.Momentum : Download(_optimizer.Momentum);
            events.Add(new CutMade(new StageCut(Stage, version, published.Parameters, momentum, previous, previousMomentum, _foldedGradients ?? []) { Shard = Shard }));
        }

        _foldedGradients = null;
    }

    /// <summary>
    /// The master as <paramref name="version"/> (one arrival can complete several buffered steps, so the
    /// state's count runs ahead of the update being made); after an update (<paramref name="foldedStep"/>)
    /// only if the update left it finite.
    /// </summary>
    private ParametersPublished Current(int version, int? foldedStep)
    {
        var parameters = Download(_master);
        if (foldedStep is { } step && !AllFinite(parameters))
        {
            throw new NonFiniteParametersException(step, Stage, _plan.Schedule.Stages);
        }

        float[] momentum = _plan.Compensation == DelayCompensation.Lookahead ? Download(_optimizer.Momentum) : [];
        return new ParametersPublished(Stage, version, parameters, momentum) { Shard = Shard };
    }

    /// <summary>With look-ahead, a cut at k holds every rank's gradient of step k − 1: the contributions being folded. Whether it kept this one.</summary>
    private bool KeepForCut(FoldContribution fold)
    {
        var version = fold.Step + 1;
        if (!_plan.TakesCutAt(version) || !TrainingCut.ReadsLastGradients(_plan.Schedule.Rule, _plan.Compensation, version))
        {
            return false;
        }

        _foldedGradients ??= new float[_state.Workers][];
        _foldedGradients[fold.Rank] = fold.Gradient;
        return true;
    }

    /// <summary>This shard's slice of whole-stage values (a resumed cut's, the initial parameters); empty stays empty.</summary>
    private float[] Mine(float[] stageValues) => stageValues.Length == 0 ? stageValues : ReducerShards.Slice(stageValues, _plan.Options.ReducerShards, Shard);

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

    private float[] Download(TensorView view)
    {
        var values = new float[view.Length];
        _backend.Download(view, values);
        return values;
    }
}
