using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Reduce;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Stages;

/// <summary>
/// One device of the model placement: the single master copy and optimizer state of its stages
/// (a <see cref="StageMaster"/> each, on this device's backend: a stage folds its own gradients in
/// rank order, no reducer round trip), and the forward and backward of every micro-batch on those
/// stages, in the schedule's tick order (<see cref="StageDeviceState"/>). Before each op the stage's
/// working copy gets the version the op's rule reads (at the rank's look-ahead point when it is
/// compensated, rebuilt from that rank's last gradient, so forward and backward see the same point);
/// activations go on to the next stage's device and output gradients back, as host copies.
/// </summary>
public sealed class StageDeviceActor : UntypedActor
{
    private readonly StageDeviceSetup _setup;
    private readonly StageDeviceState _state;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _track;
    private readonly Dictionary<int, StageMaster> _masters = [];
    private readonly Dictionary<(int Step, int Rank), OpenPass> _passes = [];
    private readonly (int Version, int LookaheadRank)?[] _loaded;
    private readonly float[][][] _lastGradients;
    private readonly List<long> _ticks = [];
    private readonly List<long> _tickPeaks = [];
    private readonly Stopwatch _clock = new();
    private IComputeBackend? _backend;
    private ModelReplica? _replica;
    private StageDeviceWired? _wiring;
    private (int Steps, IActorRef ReplyTo)? _finalRequest;
    private bool _started;
    private bool _finalRequested;
    private bool _reported;
    private int _lookaheadOps;
    private TimeSpan _busy;
    private TimeSpan? _firstOpStart;
    private TimeSpan _lastOpEnd;

    public StageDeviceActor(StageDeviceSetup setup)
    {
        _setup = setup;
        var plan = setup.Plan;
        _state = new StageDeviceState(plan.Schedule, setup.Stages, plan.FirstStep, plan.TotalSteps, plan.Compensation);
        _loaded = new (int, int)?[plan.Schedule.Stages];
        _lastGradients = [.. Enumerable.Range(0, plan.Schedule.Workers).Select(_ => new float[plan.Schedule.Stages][])];
        _track = $"device {setup.Device} (stages {string.Join(",", setup.Stages)})";
    }

    protected override void PreStart()
    {
        // The backend is created here, on the pinned thread that runs every op of this device.
        var plan = _setup.Plan;
        _backend = plan.WorkerBackends(_setup.Device, _setup.ProcessLedger);
        var own = _setup.Stages.Select(stage => stage - 1).ToArray();
        _replica = new ModelReplica(plan.Model, plan.Partition, _backend, own);
        foreach (var stage in own)
        {
            _masters[stage] = new StageMaster(stage, plan, _backend);
            if (plan.Options.Resume is { } cut && TrainingCut.ReadsLastGradients(plan.Schedule.Rule, plan.Compensation, cut.Step))
            {
                for (var rank = 0; rank < plan.Schedule.Workers; rank++)
                {
                    _lastGradients[rank][stage] = cut.Stages[stage].LastGradients[rank];
                }
            }
        }

        _setup.Trace?.RegisterTrack(_track);
        _clock.Start();
    }

    protected override void PostStop()
    {
        foreach (var pass in _passes.Values)
        {
            pass.Dispose();
        }

        foreach (var master in _masters.Values)
        {
            master.Dispose();
        }

        _replica?.Dispose();
        _backend?.Dispose();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StageDeviceWired wiring:
                _wiring = wiring;
                return;
            case StartTraining when _started:
                // In a cluster each of its stages' gateways passes the start on: the first one starts it.
                return;
            case StartTraining:
                _started = _wiring is not null
                    ? true
                    : throw new InvalidOperationException($"Device {_setup.Device} was started before it was wired to the other devices.");
                foreach (var master in _masters.Values)
                {
                    foreach (var published in master.Start())
                    {
                        _state.VersionMade(published);
                    }
                }

                break;
            case ActivationPassed activation:
                _state.ActivationArrived(activation);
                break;
            case OutputGradientPassed gradient:
                _state.GradientArrived(gradient);
                break;
            case FinalStateRequested when _finalRequested:
                // In a cluster each of its stages' gateways asks: the first one gets every stage's state.
                return;
            case FinalStateRequested request:
                _finalRequested = true;
                _finalRequest = (request.Steps, Sender);
                ReplyIfDone();
                return;
            default:
                Unhandled(message);
                return;
        }

        Advance();
    }

    private void Advance()
    {
        while (_started)
        {
            switch (_state.Decide())
            {
                case RunStageOp run:
                    Execute(run);
                    break;
                case DeviceFinished:
                    ReportFinished();
                    return;
                default:
                    return;
            }
        }
    }

    private void Execute(RunStageOp run)
    {
        var op = run.Op;
        var plan = _setup.Plan;
        var ledger = _backend!.Ledger;
        var started = _clock.Elapsed;
        _firstOpStart ??= started;
        long traceStart = _setup.Trace?.NowMicroseconds ?? 0;
        Load(run);
        ledger.TakeWindowPeak(MemoryTag.Activations);
        if (op.Kind == OpKind.Forward)
        {
            Forward(run);
        }
        else
        {
            Backward(run);
        }

        RecordTick(op.Tick, ledger.TakeWindowPeak(MemoryTag.Activations));
        _state.Complete(run);
        _lastOpEnd = _clock.Elapsed;
        _busy += _lastOpEnd - started;
        _setup.Trace?.Complete(_track, $"{(op.Kind == OpKind.Forward ? 'F' : 'B')}{op.Stage}.s{op.Step}.r{op.Worker}", traceStart, _setup.Trace.NowMicroseconds, "op");
    }

    /// <summary>Puts the version the op reads into the stage's working copy, at the rank's look-ahead point when compensated.</summary>
    private void Load(RunStageOp run)
    {
        var stage = run.StageIndex;
        var version = run.Parameters.Version;
        var lookahead = run.Lookahead && !_setup.Plan.SkipsUpdateOf(version);
        if (!lookahead && _loaded[stage] == (version, -1))
        {
            return;
        }

        var replica = _replica!;
        replica.SetStageParameters(stage, run.Parameters.Parameters);
        _loaded[stage] = (version, -1);
        if (lookahead)
        {
            var rank = run.Op.Worker;
            var last = _lastGradients[rank][stage] ?? throw new InvalidOperationException($"Device {_setup.Device} has no gradient of rank {rank} for stage {stage} to look ahead with at step {run.Op.Step}.");
            _backend!.Upload(last, replica.StageGradients(stage));
            LookaheadPoint.ApplyInPlace(_backend, replica.StageParameters(stage), replica.StageGradients(stage), run.Parameters.Momentum, _setup.Plan.Config.SgdAt(version, _setup.Plan.TotalSteps),
                replica.Layout.LargestStageSize);
            _loaded[stage] = (version, rank);
            if (run.Op.Kind == OpKind.Forward)
            {
                _lookaheadOps++;
            }
        }
    }

    private void Forward(RunStageOp run)
    {
        var op = run.Op;
        var key = (op.Step, op.Worker);
        if (op.Stage == _state.FirstStage)
        {
            _passes.Add(key, OpenPass.Begin(_setup.Plan, _replica!, _state, op.Step, op.Worker, run.Input));
        }

        var pass = _passes[key].Pass;
        pass.Forward(run.StageIndex);
        if (op.Stage != _state.LastStage)
        {
            return;
        }

        if (op.Stage < _setup.Plan.Schedule.Stages)
        {
            var output = new float[pass.Output.Length];
            _backend!.Download(pass.Output, output);
            _wiring!.DeviceOfStage[op.Stage].Tell(new ActivationPassed(op.Step, op.Worker, op.Stage, output));
        }
        else
        {
            _wiring!.Reports.Tell(new MicroBatchCompleted(op.Step, op.Worker, pass.Loss));
        }
    }

    private void Backward(RunStageOp run)
    {
        var op = run.Op;
        var key = (op.Step, op.Worker);
        var open = _passes[key];
        if (op.Stage == _state.LastStage && run.Input is { Length: > 0 } outputGradient)
        {
            var buffer = _backend!.Allocate(outputGradient.Length, MemoryTag.Workspace);
            _backend.Upload(outputGradient, buffer);
            open.Pass.SetOutputGradient(buffer);
        }

        open.Pass.Backward(run.StageIndex);
        var gradient = new float[_replica!.Layout.StageSizes[run.StageIndex]];
        _replica.GetStageGradients(run.StageIndex, gradient);
        _lastGradients[op.Worker][run.StageIndex] = gradient;
        Fold(new GradientContributed(run.StageIndex, op.Step, op.Worker, gradient));
        if (op.Stage != _state.FirstStage)
        {
            return;
        }

        if (op.Stage > 1)
        {
            using var inputGradient = open.Pass.TakeInputGradient();
            var values = new float[inputGradient?.Length ?? 0];
            if (inputGradient is not null)
            {
                _backend!.Download(inputGradient, values);
            }

            _wiring!.DeviceOfStage[op.Stage - 2].Tell(new OutputGradientPassed(op.Step, op.Worker, op.Stage - 2, values));
        }

        open.Dispose();
        _passes.Remove(key);
    }

    private void Fold(GradientContributed contribution)
    {
        foreach (var happened in _masters[contribution.Stage].Accept(contribution))
        {
            switch (happened)
            {
                case VersionMade made:
                    _state.VersionMade(made.Published);
                    _setup.Trace?.Instant(_track, $"stage {contribution.Stage} v{made.Published.Version}", "parameters");
                    break;
                case CutMade cut:
                    _wiring!.Reports.Tell(cut.Cut);
                    break;
                case UpdateSkipped skipped:
                    _setup.Trace?.Instant(_track, $"skip s{skipped.Step}", "nonfinite");
                    break;
                case SecondCopyDropped dropped:
                    _log.Warning("Device {0} folded rank {1}'s gradient of step {2} twice; the first is kept.", _setup.Device, dropped.Rank, dropped.Step);
                    break;
            }
        }

        ReplyIfDone();
    }

    private void RecordTick(long tick, long peak)
    {
        // Several ops of a device may share a tick (N > L, or DP): the tick's peak is their largest.
        if (_ticks.Count > 0 && _ticks[^1] == tick)
        {
            _tickPeaks[^1] = Math.Max(_tickPeaks[^1], peak);
            return;
        }

        _ticks.Add(tick);
        _tickPeaks.Add(peak);
    }

    private void ReplyIfDone()
    {
        if (_finalRequest is { } request && _masters.Values.All(master => master.Version >= request.Steps))
        {
            foreach (var master in _masters.Values.OrderBy(master => master.Stage))
            {
                request.ReplyTo.Tell(master.Final());
            }

            _finalRequest = null;
        }
    }

    private void ReportFinished()
    {
        if (_reported)
        {
            return;
        }

        _reported = true;
        var span = (_lastOpEnd - (_firstOpStart ?? _lastOpEnd)).TotalSeconds;
        _wiring!.Reports.Tell(new StageDeviceFinished(_setup.Device, [.. _ticks], [.. _tickPeaks], _backend!.Ledger.PeakBytes(MemoryTag.Parameters), _lookaheadOps, _busy.TotalSeconds, span));
    }

    /// <summary>One micro-batch's pass through this device's stages, with the input and labels it owns.</summary>
    private sealed class OpenPass(MicroBatchPass pass, DeviceBuffer input, DeviceBuffer labels) : IDisposable
    {
        public MicroBatchPass Pass { get; } = pass;

        /// <summary>The input: the data (first stage) or the previous device's output, tagged Data either way (not this device's activations).</summary>
        public static OpenPass Begin(TrainingPlan plan, ModelReplica replica, StageDeviceState state, int step, int rank, float[]? received)
        {
            var backend = replica.Backend;
            int batch = plan.Config.MicroBatch;
            var needsData = state.FirstStage == 1 || state.LastStage == plan.Schedule.Stages;
            var pixels = needsData ? new float[batch * plan.Dataset.SampleElements] : [];
            var oneHot = needsData ? new float[batch * plan.Dataset.ClassCount] : [];
            if (needsData)
            {
                BatchAssembler.Assemble(plan.Dataset, plan.Order.SampleIndices(plan.Order.PositionOf(step), rank), pixels, oneHot, []);
            }

            var values = state.FirstStage == 1 ? pixels : received ?? throw new InvalidOperationException($"The pass of step {step}, rank {rank} starts at stage {state.FirstStage} with no input.");
            var input = backend.Allocate(values.Length, MemoryTag.Data);
            backend.Upload(values, input);
            var labels = backend.Allocate(Math.Max(oneHot.Length, 1), MemoryTag.Data);
            if (oneHot.Length > 0)
            {
                backend.Upload(oneHot, labels);
            }

            return new OpenPass(replica.BeginStagePass(state.FirstStage - 1, state.LastStage - 1, input, labels, batch), input, labels);
        }

        public void Dispose()
        {
            Pass.Dispose();
            input.Dispose();
            labels.Dispose();
        }
    }
}
