using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Settings;
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
    TaskCompletionSource<string> MemberLost,
    TaskCompletionSource<IReadOnlyList<NodeStatistics>> Statistics,
    int? MinWorkers = null);

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
/// </summary>
public sealed class ClusterTrainingSession : ReceiveActor, IWithTimers
{
    private const string ReadyTimeoutKey = "ready-timeout";

    private readonly SessionSetup _setup;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _ready = new(StringComparer.Ordinal);
    private IActorRef _admission = ActorRefs.Nobody;
    private IReadOnlyList<AdmittedMember> _members = [];
    private NodePlanned? _plan;
    private IActorRef _coordinator = ActorRefs.Nobody;

    public ClusterTrainingSession(SessionSetup setup)
    {
        _setup = setup;
        Receive<TrainingOptionsRequested>(_ => Sender.Tell(_setup.Options));
        Receive<MemberOffered>(offer => _admission.Forward(offer));
        Receive<AdmissionOutcome.Ready>(OnAdmitted);
        Receive<AdmissionOutcome.TimedOut>(timedOut => _setup.Ready.TrySetException(new TimeoutException($"Training did not start within {_setup.JoinTimeout}: {timedOut.Missing}")));
        Receive<NodeReady>(OnNodeReady);
        Receive<ReadyTimedOut>(_ => _setup.Ready.TrySetException(new TimeoutException(
            $"Members did not build their part within {_setup.ReadyTimeout}; ready: {string.Join(", ", _ready)}.")));
        Receive<SessionReady>(ready => _setup.Ready.TrySetResult(ready));
        Receive<Status.Failure>(failure => _setup.Ready.TrySetException(failure.Cause));
        Receive<TensorReceived>(received => _coordinator.Tell(FinalStateInbox.ToMessage(received)));
        Receive<CoordinatorRunning>(running =>
        {
            _coordinator = running.Coordinator;
            var path = running.Coordinator.Path.ToStringWithAddress(Akka.Cluster.Cluster.Get(Context.System).SelfAddress);
            TellMembers(new TrainingStarted(path));
        });
        Receive<EndTraining>(OnEnd);
        Receive<StatisticsGathered>(gathered =>
        {
            _setup.Statistics.TrySetResult(gathered.Nodes);
            TellMembers(new TrainingEnded(gathered.End.Succeeded, gathered.End.Message));
        });
        Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(removed => OnRemoved(removed.Member.Address.ToString()));
        Receive<Akka.Cluster.ClusterEvent.IMemberEvent>(_ => { });
        Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        var admitted = new TaskCompletionSource<AdmissionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var validWorldSizes = ElasticStart.ValidWorldSizes(UpdateRuleNames.ParseUpdateRule(_setup.Options.Rule), _setup.Options.Stages);
        var admission = new AdmissionSetup(_setup.Identity, _setup.Options.Workers, _setup.JoinTimeout, admitted, _setup.MinWorkers, validWorldSizes);
        _admission = Context.ActorOf(Props.Create(() => new AdmissionCoordinator(admission)), "admission");
        var transport = TransportSettings.From(Context.System.Settings.Config);
        Context.ActorOf(Props.Create(() => new TensorLinkReceiver(Self, transport)), FinalStateInbox.Name);
        admitted.Task.PipeTo(Self);
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(Akka.Cluster.ClusterEvent.MemberRemoved));
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnAdmitted(AdmissionOutcome.Ready ready)
    {
        _members = ready.Members;
        _plan = ClusterPlacement.Plan(ready.Members.Select(member => member.Admitted).ToArray(), ready.Workers, _setup.Options.Stages);
        _log.Info("{0} ranks admitted on {1} members; sending the plan.", ready.Workers, _members.Count);
        foreach (var idle in ready.NotNeeded)
        {
            // Not in _members: its leaving does not end the run, and it gets no further messages.
            idle.Joiner.Tell(new TrainingEnded(true, $"not needed: training started with {ready.Workers} of {_setup.Options.Workers} workers, without this member's ranks."));
        }

        TellMembers(_plan);
        Timers.StartSingleTimer(ReadyTimeoutKey, ReadyTimedOut.Instance, _setup.ReadyTimeout);
    }

    private void OnNodeReady(NodeReady ready)
    {
        _ready.Add(ready.Node);
        if (_plan is null || _ready.Count < _plan.Nodes.Length)
        {
            return;
        }

        Timers.Cancel(ReadyTimeoutKey);
        var plan = _plan;
        var timeout = _setup.ReadyTimeout;
        var system = Context.System;
        Task<IActorRef> Resolve(string node, string child) => system.ActorSelection(NodeTrainingHost.PathOn(node, child)).ResolveOne(timeout);
        var workers = Task.WhenAll(plan.RankOwners.Select((owner, rank) => Resolve(plan.Nodes[owner], ActorNames.Worker(rank))));
        // The coordinator talks to each reducer through its gateway, which returns the final state in chunks.
        var reducers = Task.WhenAll(plan.StageOwners.Select((owner, stage) => Resolve(plan.Nodes[owner], FinalStateGateway.Name(stage))));
        var members = plan.Nodes.Length;
        Task.WhenAll(workers, reducers)
            .ContinueWith(_ => new SessionReady(new CoordinatorPlacement(workers.Result, reducers.Result), members, plan), TaskContinuationOptions.OnlyOnRanToCompletion)
            .PipeTo(Self);
    }

    /// <summary>After a successful run, gathers every member's statistics before telling them to leave.</summary>
    private void OnEnd(EndTraining end)
    {
        if (!end.Succeeded)
        {
            _setup.Statistics.TrySetResult([]);
            TellMembers(new TrainingEnded(false, end.Message));
            return;
        }

        var asks = _members.Select(member => member.Joiner.Ask<NodeStatistics>(new NodeStatisticsRequested(0), TimeSpan.FromSeconds(10)));
        Task.WhenAll(asks).ContinueWith(
            done => new StatisticsGathered(done.IsCompletedSuccessfully ? done.Result : [], end),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void OnRemoved(string node)
    {
        if (_members.Any(member => member.Node == node))
        {
            _setup.MemberLost.TrySetResult($"member {node} left the cluster during the run.");
        }
    }

    private void TellMembers(object message)
    {
        foreach (var member in _members)
        {
            member.Joiner.Tell(message);
        }
    }

    private sealed record StatisticsGathered(IReadOnlyList<NodeStatistics> Nodes, EndTraining End);

    private sealed class ReadyTimedOut
    {
        public static readonly ReadyTimedOut Instance = new();
    }
}
