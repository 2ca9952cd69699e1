using Akka;
using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Runtime;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>The placed workers and reducers, once every member in <paramref name="Plan"/> built its part (its world size may be below --workers after an elastic start).</summary>
public sealed record SessionReady(CoordinatorPlacement Placement, int Members, NodePlanned Plan);

/// <summary>
/// What the session singleton is built with (in-process construction arguments; it only runs on
/// the seed). <paramref name="MinWorkers"/>: the fewest workers to start with at the join timeout (null: all).
/// </summary>
public sealed record SessionSetup(
    TrainingOptionsShared Options,
    TrainingIdentity Identity,
    TimeSpan JoinTimeout,
    TimeSpan ReadyTimeout,
    TaskCompletionSource<SessionReady> Ready,
    TaskCompletionSource<MemberLoss> MemberLost,
    TaskCompletionSource<IReadOnlyList<NodeStatistics>> Statistics,
    ClusterProgressBoard Progress,
    TimeSpan TraceTimeout,
    TaskCompletionSource<GatheredTraces> Traces,
    int? MinWorkers = null,
    Planning.TrainingCut? Resume = null);

/// <summary>The members' traces the seed has at the end of a traced run, and the members whose trace did not arrive complete.</summary>
public sealed record GatheredTraces(IReadOnlyList<NodeTrace> Traces, IReadOnlyList<string> Missing);

/// <summary>Local: the coordinator runs; members are told where to report.</summary>
public sealed record CoordinatorRunning(IActorRef Coordinator) : INoSerializationVerificationNeeded;

/// <summary>Local: the run is over; members are told to leave.</summary>
public sealed record EndTraining(bool Succeeded, string Message) : INoSerializationVerificationNeeded;

/// <summary>
/// The coordinator singleton's setup duties on the seed: hands members the options, admits them
/// (an <see cref="AdmissionCoordinator"/> child decides), sends the plan (and tells admitted
/// members an elastic start left without work that they are not needed), waits until every member
/// built its part, resolves the placed workers and reducers, then tells members where the
/// coordinator runs and, at the end, that the run is over. A member lost after admission ends the run.
/// Members' progress reports go to the progress board; in a traced run, members send their traces
/// after the final statistics and are told the run is over once all arrived (or the trace timeout ran out).
/// A failed end reaches every member that contacted the session, admitted or not. A node that
/// comes Up with the coordinator role (a second seed) must leave: a seed leaves by itself when it
/// finds another coordinator, and one still Up after <see cref="SecondCoordinatorGrace"/> is downed
/// (it would take over the singleton when this seed leaves).
/// </summary>
public sealed partial class ClusterTrainingSession : ReceiveActor, IWithTimers
{
    private const string ReadyTimeoutKey = "ready-timeout";
    private const string TraceTimeoutKey = "trace-timeout";

    /// <summary>How long a second coordinator has to leave by itself before this seed downs it.</summary>
    public static readonly TimeSpan SecondCoordinatorGrace = TimeSpan.FromSeconds(5);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _lost = new(StringComparer.Ordinal);
    private SessionSetup _setup;
    private ClusterSessionState _state = new();
    private readonly HashSet<IActorRef> _contacts = [];
    private IActorRef _admission = ActorRefs.Nobody;
    private IReadOnlyList<AdmittedMember> _members = [];
    private IActorRef _coordinator = ActorRefs.Nobody;
    private TraceCollection _traces = new([]);
    private EndTraining? _awaitingTraces;
    private int _round;

    public ClusterTrainingSession(SessionSetup setup)
    {
        _setup = setup;
        Become(Admitting);
    }

    /// <summary>What every phase handles: members asking for the options, progress, membership, a member's failure and the end of the run.</summary>
    private void Always()
    {
        Receive<TrainingOptionsRequested>(_ =>
        {
            _contacts.Add(Sender);
            Sender.Tell(_setup.Options);
        });
        Receive<MemberOffered>(offer =>
        {
            // After the start the admission answers from its closed state: a started member's ranks, or a refusal.
            _contacts.Add(Sender);
            _admission.Forward(offer);
        });
        Receive<NodeProgress>(report => _setup.Progress.Record(report));
        Receive<EndTraining>(OnEnd);
        Receive<RestartRound>(OnRestart);
        Receive<TrainingEnded>(ended => !ended.Succeeded, failed =>
        {
            var node = Sender.Path.Address.ToString();
            if (_members.Any(member => member.Node == node))
            {
                _setup.MemberLost.TrySetResult(new MemberLoss($"member {node} failed: {failed.Message}", failed.Recoverable, failed.NonFiniteStep));
            }
        });
        Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(removed => OnRemoved(removed.Member.Address.ToString()));
        Receive<Akka.Cluster.ClusterEvent.MemberUp>(up => WatchForSecondCoordinator(up.Member));
        Receive<SecondCoordinatorCheck>(check => DownIfStillUp(check.Node));
        Receive<ReadyTimedOut>(_ => _setup.Ready.TrySetException(new TimeoutException(
            $"Members did not build and wire their part within {_setup.ReadyTimeout} (the session was {_state.Phase}); ready: {string.Join(", ", _state.ReadyNodes)}.")));
        Receive<Akka.Cluster.ClusterEvent.IMemberEvent>(_ => { });
        Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(_ => { });
        ReceiveAny(message => _log.Warning("Ignoring {0} from {1}: the session is {2}.", message.GetType().Name, Sender, _state.Phase));
    }

    private void Admitting()
    {
        Receive<RoundAdmission>(admission => admission.Round == _round, admission =>
        {
            switch (admission.Outcome)
            {
                case AdmissionOutcome.Ready ready:
                    OnAdmitted(ready);
                    break;
                case AdmissionOutcome.TimedOut timedOut:
                    _setup.Ready.TrySetException(new TimeoutException(_round == 0
                        ? $"Training did not start within {_setup.JoinTimeout}: {timedOut.Missing}"
                        : $"The run could not re-form (round {_round}): {timedOut.Missing}"));
                    break;
            }
        });
        Always();
    }

    private void Building()
    {
        Receive<NodeReady>(OnNodeReady);
        Always();
    }

    private void Wiring()
    {
        Receive<NodeWired>(OnNodeWired);
        Always();
    }

    private void Starting()
    {
        Receive<SessionReady>(ready => _setup.Ready.TrySetResult(ready));
        Receive<Status.Failure>(failure => _setup.Ready.TrySetException(failure.Cause));
        Receive<CoordinatorRunning>(OnCoordinatorRunning);
        Always();
    }

    private void Running()
    {
        Receive<TensorReceived>(OnTensor);
        Always();
    }

    private void Ending()
    {
        Receive<StatisticsGathered>(OnStatisticsGathered);
        Receive<NodeTraceBatch>(batch =>
        {
            if (_traces.Add(batch) is { } refused)
            {
                _log.Warning("Dropped {0}.", refused);
            }

            FinishIfTracesComplete();
        });
        Receive<TraceTimedOut>(_ => FinishTraces());
        Always();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        StartAdmission(_setup.JoinTimeout);
        var transport = TransportSettings.From(Context.System.Settings.Config);
        Context.ActorOf(Props.Create(() => new TensorLinkReceiver(Self, transport)), FinalStateInbox.Name);
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(Akka.Cluster.ClusterEvent.MemberRemoved), typeof(Akka.Cluster.ClusterEvent.MemberUp));
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnAdmitted(AdmissionOutcome.Ready ready)
    {
        _members = ready.Members;
        var plan = _state.Admitted([.. ready.Members.Select(member => member.Admitted)], ready.Workers, _setup.Options.Stages, DeviceOfStage(ready.Workers), _setup.Options.ReducerShards);
        _traces = new TraceCollection(plan.Nodes);
        _log.Info("{0} ranks admitted on {1} members; sending the plan.", ready.Workers, _members.Count);
        foreach (var idle in ready.NotNeeded)
        {
            // Not in _members: its leaving does not end the run, and it gets no further messages.
            idle.Joiner.Tell(new TrainingEnded(true, $"not needed: training started with {ready.Workers} of {_setup.Options.Workers} workers, without this member's ranks."));
        }

        Become(Building);
        SendResumeCut();
        TellMembers(plan);
        Timers.StartSingleTimer(ReadyTimeoutKey, ReadyTimedOut.Instance, _setup.ReadyTimeout);
    }

    /// <summary>The model placement's stage → device for a world of <paramref name="workers"/> (null in the other placements).</summary>
    private Func<int, int>? DeviceOfStage(int workers)
    {
        var options = _setup.Options;
        if (Planning.ParallelismNames.Parse(options.Parallelism) != Planning.Parallelism.Model)
        {
            return null;
        }

        var schedule = Schedule.CdpSchedule.Create(workers, options.Stages, Schedule.UpdateRuleNames.ParseUpdateRule(options.Rule), Schedule.UpdateRuleNames.ParseFreshnessRule(options.Freshness));
        var placement = Schedule.ModelPlacement.Plan(schedule, options.Devices > 0 ? options.Devices : null);
        return stage => placement.DeviceOf(stage + 1);
    }

    private void OnNodeReady(NodeReady ready)
    {
        if (!_state.IsPlanned(ready.Node))
        {
            _log.Warning("Ignoring a ready message from {0}, which is not in the plan.", ready.Node);
            return;
        }

        // Links learn their peers' channel endpoints before the coordinator starts (on the Akka path
        // the endpoints are empty and nobody listens for them); then each member wires its actors.
        if (_state.NodeReady(ready) is { } channels)
        {
            Become(Wiring);
            TellMembers(channels);
        }
    }

    private void OnNodeWired(NodeWired wired)
    {
        if (!_state.IsPlanned(wired.Node))
        {
            _log.Warning("Ignoring a wired message from {0}, which is not in the plan.", wired.Node);
            return;
        }

        if (!_state.NodeWired(wired.Node))
        {
            return;
        }

        Timers.Cancel(ReadyTimeoutKey);
        Become(Starting);
        var plan = _state.Plan!;
        var timeout = _setup.ReadyTimeout;
        var system = Context.System;
        Task<IActorRef> Resolve(string node, string child) => system.ActorSelection(NodeTrainingHost.PathOn(node, child)).ResolveOne(timeout);
        // The model placement has no workers: its stage devices are reached through their stages' gateways.
        var model = Planning.ParallelismNames.Parse(_setup.Options.Parallelism) == Planning.Parallelism.Model;
        var workers = model ? Task.FromResult(Array.Empty<IActorRef>()) : Task.WhenAll(plan.RankOwners.Select((owner, rank) => Resolve(plan.Nodes[owner], ActorNames.Worker(rank))));
        // The coordinator talks to each reducer through its gateway, which returns the final state in chunks.
        var reducers = Task.WhenAll(
            from stage in Enumerable.Range(0, plan.StageOwners.Length)
            from shard in Enumerable.Range(0, plan.ReducerShards)
            select Resolve(plan.Nodes[plan.OwnerOf(stage, shard)], FinalStateGateway.Name(stage, shard)));
        var members = plan.Nodes.Length;
        Task.WhenAll(workers, reducers)
            .ContinueWith<object>(
                resolved => resolved.IsCompletedSuccessfully
                    ? new SessionReady(new CoordinatorPlacement(workers.Result, reducers.Result), members, plan)
                    : new Status.Failure(new InvalidOperationException(
                        $"could not reach every member's workers and reducers within {timeout}: {resolved.Exception?.GetBaseException().Message ?? "cancelled"}")),
                TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnCoordinatorRunning(CoordinatorRunning running)
    {
        _state.Started();
        Become(Running);
        _coordinator = running.Coordinator;
        var path = running.Coordinator.Path.ToStringWithAddress(Akka.Cluster.Cluster.Get(Context.System).SelfAddress);
        TellMembers(new TrainingStarted(path));
    }

    private void OnStatisticsGathered(StatisticsGathered gathered)
    {
        _setup.Statistics.TrySetResult(gathered.Nodes);
        if (_setup.Options.Trace)
        {
            // Members sent their traces when asked for statistics; they must not leave before those arrive.
            _awaitingTraces = gathered.End;
            Timers.StartSingleTimer(TraceTimeoutKey, TraceTimedOut.Instance, _setup.TraceTimeout);
            FinishIfTracesComplete();
            return;
        }

        TellMembers(new TrainingEnded(gathered.End.Succeeded, gathered.End.Message));
    }

    /// <summary>After a successful run, gathers every member's statistics before telling them to leave.</summary>
    private void OnEnd(EndTraining end)
    {
        _state.Ending();
        Become(Ending);
        if (!end.Succeeded)
        {
            _setup.Statistics.TrySetResult([]);
            var ended = new TrainingEnded(false, end.Message);
            foreach (var member in _contacts.Union(_members.Select(member => member.Joiner)))
            {
                member.Tell(ended, Self);
            }

            Sender.Tell(Done.Instance); // the seed leaves the cluster only after this went out
            return;
        }

        var asks = _members.Select(member => member.Joiner.Ask<NodeStatistics>(new NodeStatisticsRequested(0), TimeSpan.FromSeconds(10)));
        Task.WhenAll(asks).ContinueWith(
            done => new StatisticsGathered(done.IsCompletedSuccessfully ? done.Result : [], end),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void OnRemoved(string node)
    {
        _lost.Add(node);
        if (_members.Any(member => member.Node == node))
        {
            _setup.MemberLost.TrySetResult(new MemberLoss($"member {node} left the cluster during the run.", Recoverable: true));
        }
    }

    private void WatchForSecondCoordinator(Akka.Cluster.Member member)
    {
        if (member.HasRole(CoordinatorSingleton.Role) && !member.Address.Equals(Akka.Cluster.Cluster.Get(Context.System).SelfAddress))
        {
            Timers.StartSingleTimer($"second-coordinator-{member.Address}", new SecondCoordinatorCheck(member.Address), SecondCoordinatorGrace);
        }
    }

    private void DownIfStillUp(Address node)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var member = cluster.State.Members.FirstOrDefault(m => m.Address.Equals(node));
        if (member is null || member.Status is not (Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.WeaklyUp))
        {
            return; // it left, as a second seed does
        }

        _log.Warning("Refused node {0}: it has the {1} role, and this cluster's coordinator runs on {2}; downing it.", node, CoordinatorSingleton.Role, cluster.SelfAddress);
        cluster.Down(node);
    }

    private void FinishIfTracesComplete()
    {
        if (_awaitingTraces is not null && _traces.IsComplete)
        {
            FinishTraces();
        }
    }

    private void FinishTraces()
    {
        if (_awaitingTraces is not { } end)
        {
            return;
        }

        _awaitingTraces = null;
        Timers.Cancel(TraceTimeoutKey);
        var missing = _traces.Missing;
        if (missing.Count > 0)
        {
            _log.Warning("No complete trace within {0} from: {1}.", _setup.TraceTimeout, string.Join(", ", missing));
        }

        _setup.Traces.TrySetResult(new GatheredTraces(_traces.Traces, missing));
        TellMembers(new TrainingEnded(end.Succeeded, end.Message));
    }

    // Sent as the session, so that a member's host can report progress and its trace back to it.
    private void TellMembers(object message)
    {
        foreach (var member in _members)
        {
            member.Joiner.Tell(message, Self);
        }
    }

    private sealed record RoundAdmission(int Round, AdmissionOutcome Outcome);

    private sealed record StatisticsGathered(IReadOnlyList<NodeStatistics> Nodes, EndTraining End);

    private sealed record SecondCoordinatorCheck(Address Node);

    private sealed class ReadyTimedOut
    {
        public static readonly ReadyTimedOut Instance = new();
    }

    private sealed class TraceTimedOut
    {
        public static readonly TraceTimedOut Instance = new();
    }
}
