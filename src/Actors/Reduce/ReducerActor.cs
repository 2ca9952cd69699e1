using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// The reducer of one stage: owns the stage's <see cref="StageMaster"/> (master parameters and
/// momentum on the backend the plan's reducer factory builds, the CPU by default), accepts gradient
/// contributions in any order, and publishes each version the master makes to its subscribers
/// (<see cref="ReducerWired"/>; under ZeRO only to each step's first reader of it). Folding step t
/// publishes θ_{t+1} under every rule (see <see cref="Schedule.CdpSchedule.VersionPublishedAfterFolding"/>),
/// so the version it holds is the number of steps it has folded.
/// </summary>
public sealed class ReducerActor : UntypedActor
{
    private readonly ReducerSetup _setup;
    private readonly string _track;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Schedule.ZeroBatonPlan? _batons;
    private IComputeBackend? _backend;
    private StageMaster? _master;
    private IReadOnlyList<IActorRef>? _subscribers;
    private IReadOnlyList<IActorRef>? _ranks;
    private (int Steps, IActorRef ReplyTo)? _finalRequest;
    private IActorRef? _cuts;

    public ReducerActor(ReducerSetup setup)
    {
        _setup = setup;
        _track = setup.Plan.Options.ReducerShards == 1 ? $"reducer {setup.Stage}" : $"reducer {setup.Stage}.{setup.Shard}";
        _batons = setup.Plan.Options.Parallelism == Parallelism.Zero ? new Schedule.ZeroBatonPlan(setup.Plan.Schedule) : null;
    }

    protected override void PreStart()
    {
        _backend = _setup.Plan.ReducerBackends(_setup.ProcessLedger);
        _master = new StageMaster(_setup.Stage, _setup.Plan, _backend, _setup.Shard, _setup.Buffers);
        _setup.Trace?.RegisterTrack(_track);
    }

    protected override void PostStop()
    {
        _master?.Dispose();
        _backend?.Dispose();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReducerWired wiring:
                _subscribers = wiring.Subscribers;
                _cuts = wiring.Cuts;
                _ranks = wiring.Ranks;
                break;
            case StartTraining:
                foreach (var published in _master!.Start())
                {
                    Send(published);
                }

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
        _setup.Trace?.Instant(_track, $"grad s{contribution.Step} r{contribution.Rank}", "gradient");
        long acceptedAt = _setup.Trace?.NowMicroseconds ?? 0;
        bool updated = false;
        foreach (var happened in _master!.Accept(contribution))
        {
            switch (happened)
            {
                case SecondCopyDropped refused:
                    _log.Warning("Reducer of stage {0} refused a second copy of rank {1}'s contribution to step {2}; the first is the one folded.", _setup.Stage, refused.Rank, refused.Step);
                    break;
                case UpdateSkipped skipped:
                    _setup.Trace?.Instant(_track, $"skip s{skipped.Step}", "nonfinite");
                    break;
                case VersionMade made:
                    updated = true;
                    Send(made.Published);
                    break;
                case CutMade cut:
                    var target = _cuts ?? throw new InvalidOperationException($"The reducer of stage {_setup.Stage} takes cuts but was wired with nowhere to send them.");
                    target.Tell(cut.Cut);
                    _setup.Trace?.Instant(_track, $"cut at {cut.Cut.Step}", "checkpoint");
                    break;
            }
        }

        _setup.Trace?.Complete(_track, ReducerSpans.Name(updated, contribution.Step, contribution.Rank), acceptedAt, _setup.Trace.NowMicroseconds, ReducerSpans.Category);
        // One arrival can complete several buffered steps: only now do the master parameters hold θ_NextStep.
        ReplyIfDone();
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

    private void ReplyIfDone()
    {
        if (_finalRequest is { } request && _master!.Version >= request.Steps)
        {
            request.ReplyTo.Tell(_master.Final());
            _finalRequest = null;
        }
    }
}
