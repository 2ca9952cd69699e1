using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Workers;

/// <summary>
/// One worker: a model replica on its own backend (created on the actor's pinned thread), executing
/// the decisions of its <see cref="WorkerState"/>: run the next op when the token and the required
/// parameter version are there; otherwise wait for the message that is missing. Its samples are a
/// pure function of (seed, epoch, step, rank), so it reads them from the data order itself. After
/// each backward it sends that stage's gradient to the stage's gradient target; after δ ops it
/// passes the token to the next rank. Every message is accepted in any state (arrivals are
/// recorded in the state), so nothing needs stashing. It is wired (<see cref="WorkerWired"/>)
/// before it is started.
/// </summary>
public sealed class WorkerActor : UntypedActor
{
    private readonly WorkerSetup _setup;
    private readonly WorkerState _state;
    private readonly TickActivationLog _activations = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _track;
    private IComputeBackend? _backend;
    private ModelReplica? _replica;
    private DeviceBuffer? _input;
    private DeviceBuffer? _labels;
    private float[] _pixels = [];
    private float[] _oneHot = [];
    private MicroBatchPass? _pass;
    private WorkerWired? _wiring;
    private bool _started;
    private bool _reportedFinished;
    private int _violations;
    private int _lookaheadOps;
    private readonly ZeroBatonPlan? _batons;
    private IReadOnlyList<BatonHop> _sends = [];
    private readonly long[] _loadedAt;
    private long _bytesFromOwners;
    private readonly long[] _bytesFromRanks;

    public WorkerActor(WorkerSetup setup)
    {
        _setup = setup;
        var plan = setup.Plan;
        var ring = RingTopology.Create(plan.Schedule.Workers, setup.RingEpoch);
        var token = TokenRingState.ForSchedule(plan.Schedule, ring, setup.Rank, plan.FirstStep);
        var zero = plan.Options.Parallelism == Parallelism.Zero;
        _state = new WorkerState(plan.Schedule, setup.Rank, plan.TotalSteps, plan.Compensation, token, plan.FirstStep, holdsOnlyInUse: zero);
        _batons = zero ? new ZeroBatonPlan(plan.Schedule) : null;
        _loadedAt = new long[plan.Schedule.Stages];
        _bytesFromRanks = new long[plan.Schedule.Workers];
        _track = $"worker {setup.Rank}";
    }

    protected override void PreStart()
    {
        // The backend is created here, on the pinned thread that runs every op of this worker.
        var plan = _setup.Plan;
        _backend = plan.WorkerBackends(_setup.Rank, _setup.ProcessLedger);
        if (_backend.Ledger.Parent != _setup.ProcessLedger)
        {
            throw new InvalidOperationException($"The backend of rank {_setup.Rank} must report to the process-wide memory ledger (its ledger's parent).");
        }

        _replica = new ModelReplica(plan.Model, plan.Partition, _backend);
        if (_batons is not null)
        {
            // ZeRO: a stage's parameters are on the device only from its forward to its backward.
            for (var stage = 0; stage < _replica.StageCount; stage++)
            {
                _replica.ReleaseStageParameters(stage);
            }
        }

        int batch = plan.Config.MicroBatch;
        _pixels = new float[batch * plan.Dataset.SampleElements];
        _oneHot = new float[batch * plan.Dataset.ClassCount];
        _input = _backend.Allocate(_pixels.Length, MemoryTag.Data);
        _labels = _backend.Allocate(_oneHot.Length, MemoryTag.Data);
        RestoreLastGradients();
        _setup.Trace?.RegisterTrack(_track);
    }

    protected override void PostStop()
    {
        _pass?.Dispose();
        _input?.Dispose();
        _labels?.Dispose();
        _replica?.Dispose();
        _backend?.Dispose();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WorkerWired wiring:
                _wiring = wiring;
                return;
            case StartTraining:
                _started = _wiring is not null
                    ? true
                    : throw new InvalidOperationException($"Rank {_setup.Rank} was started before it was wired to the next rank.");
                break;
            case TokenPassed token:
                var transition = _state.TokenArrived(new RingToken(token.Epoch, token.Step));
                foreach (var dropped in transition.Effects.OfType<StaleTokenDropped>())
                {
                    _log.Warning("Rank {0} dropped {1} of an older ring (current epoch {2}).", _setup.Rank, dropped.Token, dropped.CurrentEpoch);
                }

                break;
            case ParametersPublished published:
                _setup.Trace?.Instant(_track, $"arrive s{published.Stage} v{published.Version}", "parameters");
                CountArrival(published);
                _state.ParametersArrived(published);
                break;
            default:
                Unhandled(message);
                return;
        }

        Advance();
    }

    /// <summary>Runs ops for as long as the state allows; returns when it must wait for a message.</summary>
    private void Advance()
    {
        while (_started)
        {
            switch (_state.Decide())
            {
                case RunOp run:
                    Execute(run);
                    break;
                case Finished:
                    ReportFinished();
                    return;
                default:
                    return;
            }
        }
    }

    private void Execute(RunOp run)
    {
        var replica = _replica!;
        var op = run.Op;
        if (_setup.Faults?.KillsBefore(op.Step, run.OpIndex) == true)
        {
            InjectedFaults.KillThisProcess($"rank {_setup.Rank}, before {op},");
        }

        if (_setup.Faults?.CutsLinksBefore(op.Step, run.OpIndex) == true && _setup.CutLinks is { } cutLinks)
        {
            _log.Warning("Fault injection: rank {0} cuts this node's cluster links before {1} (cyclic-actors.fault-injection).", _setup.Rank, op);
            cutLinks();
        }

        // Blocks this worker's own thread until the device's pacing lets the op start, before it allocates anything.
        _setup.Pacer.WaitToStart(op);
        if (run.StartsMicroBatch)
        {
            BeginMicroBatch(op.Step);
        }

        if (run.LoadFirst)
        {
            LoadStage(run);
        }

        if (run.Version != _setup.Plan.Schedule.RequiredVersion(op.Step, _setup.Rank, op.Stage))
        {
            _violations++;
        }

        var ledger = _backend!.Ledger;
        ledger.TakeWindowPeak(MemoryTag.Activations);
        long start = _setup.Trace?.NowMicroseconds ?? 0;
        if (op.Kind == OpKind.Forward)
        {
            _pass!.Forward(run.StageIndex);
        }
        else
        {
            _pass!.Backward(run.StageIndex);
        }

        _activations.Record(op.Tick, ledger.TakeWindowPeak(MemoryTag.Activations));
        _setup.Trace?.Complete(_track, $"{(op.Kind == OpKind.Forward ? 'F' : 'B')}{op.Stage}.s{op.Step}", start, _setup.Trace.NowMicroseconds, "op");
        if (op.Kind == OpKind.Backward)
        {
            long handoffAt = _setup.Trace?.NowMicroseconds ?? 0;
            int length = (int)replica.Layout.StageSizes[run.StageIndex];
            var gradient = _setup.GradientBuffers?.Rent(length) ?? new float[length];
            replica.GetStageGradients(run.StageIndex, gradient);
            TraceHandling(HandlingSpans.Handoff, op, handoffAt);
            if (_setup.Faults?.PoisonsGradientOf(op.Step) == true && gradient.Length > 0)
            {
                gradient[0] = float.NaN;
            }

            Send(_setup.GradientTargets[run.StageIndex], new GradientContributed(run.StageIndex, op.Step, _setup.Rank, gradient), FaultyMessage.Gradient, op.Step);
        }

        PassBatons(op);
        if (_batons is not null && op.Kind == OpKind.Backward)
        {
            replica.ReleaseStageParameters(run.StageIndex);
            _setup.Trace?.Complete($"baton stage {op.Stage}", $"r{_setup.Rank} s{op.Step} v{run.Version}", _loadedAt[run.StageIndex], _setup.Trace.NowMicroseconds, "baton");
        }

        var completion = _state.Complete(run);
        foreach (var pass in completion.TokenEffects.OfType<PassToken>())
        {
            // The ring passes to rank + 1 only; the wiring's next rank is that worker.
            Send(_wiring!.NextRank, new TokenPassed(pass.Token.Epoch, pass.Token.Step, _setup.Rank), FaultyMessage.Token, pass.Token.Step);
        }

        if (completion.MicroBatchFinished)
        {
            float loss = _pass!.Loss;
            _pass.Dispose();
            _pass = null;
            _wiring!.Reports.Tell(new MicroBatchCompleted(op.Step, _setup.Rank, loss));
        }

        // After the pass released what the op freed (the whole micro-batch's, after its last backward).
        _setup.Pacer.Completed(op);
    }

    /// <summary>cyclic-actors.fault-injection: dies as a crashed or killed node does, with no goodbye to anyone.</summary>
    /// <summary>Sends <paramref name="message"/>, unless fault injection drops or delays this one (once per node).</summary>
    private void Send(IActorRef target, object message, FaultyMessage kind, int step)
    {
        if (_setup.Faults?.Message is not { } fault || !fault.TryFire(kind, step))
        {
            target.Tell(message);
            return;
        }

        if (fault.Delay is { } delay)
        {
            _log.Warning("Fault injection: rank {0} delays its {1} of step {2} by {3} (cyclic-actors.fault-injection).", _setup.Rank, kind, step, delay);
            Context.System.Scheduler.ScheduleTellOnce(delay, target, message, Self);
            return;
        }

        _log.Warning("Fault injection: rank {0} drops its {1} of step {2} (cyclic-actors.fault-injection).", _setup.Rank, kind, step);
    }

    /// <summary>ZeRO: the parameter batons that leave this worker after its op at this tick, to their next readers.</summary>
    private void PassBatons(ScheduledOp op)
    {
        foreach (var hop in _sends)
        {
            if (hop.HeldFromTick == op.Tick)
            {
                var baton = _state.Held(hop.Stage - 1, hop.Version) with { Carrier = _setup.Rank };
                _wiring!.Ranks[hop.To].Tell(baton);
                _setup.Trace?.Instant(_track, $"baton j{hop.Stage} v{hop.Version} to r{hop.To}", "baton");
            }
        }
    }

    private void CountArrival(ParametersPublished published)
    {
        if (published.Carrier < 0)
        {
            _bytesFromOwners += published.Bytes;
        }
        else if (published.Carrier < _bytesFromRanks.Length)
        {
            _bytesFromRanks[published.Carrier] += published.Bytes;
        }
        else
        {
            throw new InvalidOperationException($"Rank {_setup.Rank} got parameters of stage {published.Stage} carried by rank {published.Carrier}, outside the ring of {_bytesFromRanks.Length}.");
        }
    }

    private void BeginMicroBatch(int step)
    {
        var plan = _setup.Plan;
        _sends = _batons?.SendsOf(_setup.Rank, step) ?? [];
        var order = plan.Order;
        BatchAssembler.Assemble(plan.Dataset, order.SampleIndices(order.PositionOf(step), _setup.Rank), _pixels, _oneHot, []);
        _backend!.Upload(_pixels, _input!);
        _backend.Upload(_oneHot, _labels!);
        _pass = _replica!.BeginPass(_input!, _labels!, plan.Config.MicroBatch);
    }

    private void LoadStage(RunOp run)
    {
        var published = _state.ParametersToLoad(run);
        var replica = _replica!;
        long loadedAt = _loadedAt[run.StageIndex] = _setup.Trace?.NowMicroseconds ?? 0;
        replica.SetStageParameters(run.StageIndex, published.Parameters);
        TraceHandling(HandlingSpans.Load, run.Op, loadedAt);
        // A skipped update leaves θ as it was, so the best prediction of it is θ itself.
        if (run.Lookahead && !_setup.Plan.SkipsUpdateOf(run.Version))
        {
            long lookaheadAt = _setup.Trace?.NowMicroseconds ?? 0;
            // The replica's gradient buffer of the stage still holds this worker's gradient of the
            // previous step: nothing writes it between that B_j and this F_j.
            LookaheadPoint.ApplyInPlace(_backend!, replica.StageParameters(run.StageIndex), replica.StageGradients(run.StageIndex), published.Momentum, _setup.Plan.Config.SgdAt(run.Version, _setup.Plan.TotalSteps),
                replica.Layout.LargestStageSize);
            _lookaheadOps++;
            TraceHandling(HandlingSpans.Lookahead, run.Op, lookaheadAt);
        }
    }

    /// <summary>A span of the work around a pass (<see cref="HandlingSpans"/>).</summary>
    private void TraceHandling(char kind, ScheduledOp op, long start)
    {
        _setup.Trace?.Complete(_track, HandlingSpans.Name(kind, op.Stage, op.Step), start, _setup.Trace.NowMicroseconds, HandlingSpans.Category);
    }

    /// <summary>
    /// On resume with look-ahead: the replica's gradient buffers get this worker's gradients of the
    /// step before the cut, which is where the uninterrupted run's stale forwards find them.
    /// </summary>
    private void RestoreLastGradients()
    {
        if (_setup.Plan.Options.Resume is not { } cut || !TrainingCut.ReadsLastGradients(_setup.Plan.Schedule.Rule, _setup.Plan.Compensation, cut.Step))
        {
            return;
        }

        foreach (var stage in cut.Stages)
        {
            _backend!.Upload(stage.LastGradients[_setup.Rank], _replica!.StageGradients(stage.Stage));
        }
    }

    private void ReportFinished()
    {
        if (_reportedFinished)
        {
            return;
        }

        _reportedFinished = true;
        _wiring!.Reports.Tell(new WorkerFinished(_setup.Rank, _activations.Ticks, _activations.PeakBytes, _violations, _lookaheadOps)
        {
            ParameterPeakBytes = _backend!.Ledger.PeakBytes(MemoryTag.Parameters),
            ParameterBytesFromOwners = _bytesFromOwners,
            ParameterBytesFromRanks = _bytesFromRanks,
        });
    }
}
