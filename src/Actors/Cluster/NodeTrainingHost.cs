using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Runtime;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;
using CyclicActors.Actors.Transport.Link;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Cluster;

/// <summary>What a member's training host is built with (in-process construction arguments).</summary>
internal sealed record NodeHostSetup(
    NodePlanned Plan,
    int SelfIndex,
    TrainingPlan Training,
    CyclicSettings Settings,
    MemoryLedger ProcessLedger,
    IActorRef Member,
    NodeReady Ready,
    bool Trace,
    int Round = 0);

/// <summary>Local: this member's part of the run failed (the reason names the node); the member tells the seed and ends.</summary>
internal sealed record MemberPartFailed(string Reason, int? NonFiniteStep = null) : INoSerializationVerificationNeeded;

/// <summary>
/// Local: stop this part now. The host first cancels the device pacer: a worker blocked in a pacing
/// wait (for a peer's op that will never come, its node being lost) cannot take a stop message, and
/// Akka stops the children before the host's PostStop, so without this the part would never stop.
/// </summary>
internal sealed record StopPart(string Reason) : INoSerializationVerificationNeeded;

/// <summary>Local: where tensors arriving on this node's channels go, one inbox per kind (the member's listener hands them there directly).</summary>
internal sealed record InboxesReady(IActorRef Gradients, IActorRef Parameters) : INoSerializationVerificationNeeded;

/// <summary>
/// A member's part of the run. It builds its workers and reducers with the <see cref="RuntimeBuilder"/>
/// from the plan, with a <see cref="GradientSender"/> per node holding stages it does not, and a
/// tensor link per other member and kind; an inbox per kind hands arriving tensors to the local
/// reducers (gradients) and workers (publications). Once every member is ready and the channel
/// endpoints are known, it resolves, once, the remote worker its last local rank passes the token
/// to, wires its actors (reducers publish to the local workers and to one
/// <see cref="PublicationSender"/> per other node with workers) and tells the seed it is wired.
/// Workers report to it; it passes their reports to the coordinator once it knows where that is
/// (holding them until then). A child failure ends the member's part of the run: it is reported and
/// nothing restarts. While training runs it reports the node's progress to the seed's session every
/// progress interval; with tracing on, its workers and reducers record into one trace, sent to the
/// session in batches at the end of a successful run (<see cref="NodeObservation"/>).
/// </summary>
internal sealed class NodeTrainingHost : UntypedActor, IWithUnboundedStash, IWithTimers
{
    public const string Name = "training";

    private const string ProgressKey = "progress";

    private readonly NodeHostSetup _setup;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TransportSettings _transport = TransportSettings.From(Context.System.Settings.Config);
    private readonly NodeObservation _observation;
    private NodeParts _parts = null!;
    private IActorRef[] _publicationSenders = [];
    private DevicePacer? _pacer;
    private IActorRef? _coordinator;
    private IActorRef _session = ActorRefs.Nobody;

    public NodeTrainingHost(NodeHostSetup setup)
    {
        _setup = setup;
        _observation = new NodeObservation(setup.Plan, setup.SelfIndex, setup.ProcessLedger, setup.Trace ? new TraceRecorder() : null, setup.Training.Options.DevicePool);
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    private string SelfNode => _setup.Plan.Nodes[_setup.SelfIndex];

    /// <summary>The path of a worker or reducer on the node at <paramref name="address"/>.</summary>
    public static string PathOn(string address, string child) => $"{address}/user/{MemberNode.Name}/{Name}/{child}";

    // Not logged as an error here: when the seed ends a run, a peer's tensor channels may close before
    // the seed's word reaches this node, and the member then reports the seed's reason instead.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(
            error =>
            {
                _log.Debug(error, "A worker or reducer of this member failed; the run cannot continue.");
                _setup.Member.Tell(new MemberPartFailed($"{SelfNode}: {error.Message}", NonFiniteActionNames.StepOf(error)));
                return Directive.Stop;
            },
            loggingEnabled: false);

    protected override void PreStart()
    {
        var plan = _setup.Plan;
        var localRanks = plan.RankOwners.Select((owner, rank) => (owner, rank)).Where(pair => pair.owner == _setup.SelfIndex).Select(pair => pair.rank).ToArray();
        _pacer = _setup.Training.CreatePacer(localRanks, _setup.Settings.PacingPatience);
        _pacer.CancelOnShutdown(Context.System);
        var build = new NodeBuild(_setup.Training, plan, _setup.SelfIndex, _setup.Settings, _setup.ProcessLedger, _observation.Trace, _pacer,
            RingEpoch: RingEpochOf(_setup.Round), CutLinks: LinkCut.For(Context.System, _log));
        var stageSizes = _setup.Training.InitialStageParameters.Select(stage => (long)stage.Length).ToArray();
        IReadOnlyDictionary<int, IActorRef> stageHolders;
        IActorRef gradients;
        if (_setup.Training.Options.Parallelism == Parallelism.Model)
        {
            // The model placement: this node's stage devices (its stages' owners in the plan), no workers or reducers.
            _parts = new NodeParts(new Dictionary<int, IActorRef>(), new Dictionary<int, IActorRef>(), []);
            var devices = RuntimeBuilder.BuildStageDevices(Context, _setup.Training, _setup.Settings, _setup.ProcessLedger, _observation.Trace, Self,
                local: device => plan.StageOwners[_setup.Training.ModelPlacement.Devices[device].Stages[0] - 1] == _setup.SelfIndex,
                remoteStage: stage => StageTensorSender(plan.StageOwners[stage]));
            stageHolders = Enumerable.Range(0, stageSizes.Length).Where(stage => plan.StageOwners[stage] == _setup.SelfIndex)
                .ToDictionary(stage => stage, stage => devices[_setup.Training.ModelPlacement.DeviceOf(stage + 1)]);
            gradients = Inbox(TensorKind.Gradient, stageSizes, stageHolders, stageTensors: true);
        }
        else
        {
            _parts = RuntimeBuilder.Build(Context, build, (stage, shard) => GradientSender(plan.OwnerOf(stage, shard)));
            stageHolders = _parts.Reducers;
            gradients = Inbox(TensorKind.Gradient, stageSizes, stageHolders, buffers: build.GradientBuffers);
            // Created now, with every link, so that each link gets its peer's endpoint when the channels are planned.
            _publicationSenders = [.. plan.RankOwners.Distinct().Where(node => node != _setup.SelfIndex).Order().Select(PublicationSender)];
        }

        var parameters = Inbox(TensorKind.Parameters, stageSizes, stageHolders);
        foreach (var (unit, holder) in stageHolders)
        {
            var (stage, shard) = Reduce.ReducerShards.FromWire(unit);
            Context.ActorOf(Props.Create(() => new FinalStateGateway(holder, _transport)), FinalStateGateway.Name(stage, shard));
        }

        _setup.Member.Tell(new InboxesReady(gradients, parameters));
        _setup.Member.Tell(_setup.Ready);
    }

    // A worker blocked by the pacing must not outlive this member's part of the run.
    /// <summary>Each round of a run is a new ring: round r's tokens carry epoch r + 1, and a token of an earlier round is dropped.</summary>
    public static long RingEpochOf(int round) => round + 1L;

    protected override void PostStop() => _pacer?.Cancel("this member's part of the run ended");

    /// <param name="stageHolders">This node's reducers by stage, or under the model placement its stage devices by stage.</param>
    private IActorRef Inbox(TensorKind kind, long[] stageSizes, IReadOnlyDictionary<int, IActorRef> stageHolders, bool stageTensors = false, Reduce.GradientBuffers? buffers = null)
    {
        var workers = _parts.Workers;
        var assembler = _parts.Assembler;
        var shards = _setup.Plan.ReducerShards;
        var inbox = Context.ActorOf(Props.Create(() => new TensorInbox(kind, stageSizes, stageHolders, workers, stageTensors, assembler, shards, buffers)), TensorInbox.Name(kind) + "box");
        if (_transport.Path == TensorPath.Akka)
        {
            var transport = _transport;
            Context.ActorOf(Props.Create(() => new TensorLinkReceiver(inbox, transport)), TensorInbox.Name(kind));
        }

        return inbox;
    }

    /// <summary>Hands each channel link its peer's endpoint, then wires this node's actors; a plan that does not match the nodes is refused, not trusted.</summary>
    private void OnChannelsPlanned(ChannelsPlanned channels)
    {
        var nodes = _setup.Plan.Nodes.Length;
        if (channels.Hosts.Length != nodes || channels.Ports.Length != nodes || channels.Tokens.Length != nodes || channels.Certificates.Length != nodes)
        {
            PartFailed($"the channel plan lists {channels.Hosts.Length} hosts, {channels.Ports.Length} ports, {channels.Tokens.Length} tokens and {channels.Certificates.Length} certificates for {nodes} nodes.");
            return;
        }

        if (_transport.Path == TensorPath.Channel)
        {
            var links = Links();
            var akkaPeers = links.Select(PeerOf).Distinct().Where(peer => channels.Hosts[peer].Length == 0).Select(peer => _setup.Plan.Nodes[peer]).ToArray();
            if (akkaPeers.Length > 0)
            {
                PartFailed($"{string.Join(", ", akkaPeers)} send tensors through Akka ({TransportSettings.PathKey} = akka) and this node through the channel; set it alike on every node.");
                return;
            }

            foreach (var link in links)
            {
                var peer = PeerOf(link);
                link.Tell(new ChannelEndpoint(channels.Hosts[peer], channels.Ports[peer], channels.Tokens[peer], channels.Certificates[peer]));
            }
        }

        ResolveRemoteNextRanks();
    }

    /// <summary>Resolves, once, each remote worker a local worker passes the token to (every member is ready, so it exists).</summary>
    private void ResolveRemoteNextRanks()
    {
        var plan = _setup.Plan;
        var workers = plan.RankOwners.Length;
        var remote = _parts.Workers.Keys.Select(rank => (rank + 1) % workers).Where(next => plan.RankOwners[next] != _setup.SelfIndex).Distinct().ToArray();
        var timeout = ClusterNodeSettings.From(Context.System.Settings.Config).JoinTimeout;
        var resolving = remote.Select(async rank =>
            (Rank: rank, Worker: await Context.ActorSelection(PathOn(plan.Nodes[plan.RankOwners[rank]], ActorNames.Worker(rank))).ResolveOne(timeout).ConfigureAwait(false)));
        Task.WhenAll(resolving).ContinueWith<object>(
            resolved => resolved.IsCompletedSuccessfully
                ? new RemoteRanksResolved(resolved.Result.ToDictionary(pair => pair.Rank, pair => pair.Worker))
                : new MemberPartFailed($"{SelfNode}: could not reach the worker of the next rank: {resolved.Exception?.GetBaseException().Message ?? "cancelled"}"),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void Wire(RemoteRanksResolved resolved)
    {
        var plan = _setup.Plan;
        Func<int, IActorRef>? batons = _setup.Training.Options.Parallelism == Parallelism.Zero ? rank => BatonSender(plan.RankOwners[rank], rank) : null;
        RuntimeBuilder.Wire(_parts, plan.RankOwners.Length, rank => resolved.Workers[rank], Self, _publicationSenders, batons);
        _setup.Member.Tell(new NodeWired(SelfNode));
    }

    private void PartFailed(string reason)
    {
        _log.Error("{0}", reason);
        _setup.Member.Tell(new MemberPartFailed($"{SelfNode}: {reason}"));
    }

    private IActorRef[] Links() => [.. Context.GetChildren().Where(child => child.Path.Name.StartsWith("link-", StringComparison.Ordinal))];

    /// <summary>The peer node index a link's name ends with (link-KIND-NODE).</summary>
    public static int PeerOf(IActorRef link) =>
        int.Parse(link.Path.Name[(link.Path.Name.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The one gradient sender for the reducers on the member at <paramref name="node"/>, over this node's gradient link to it.</summary>
    private IActorRef GradientSender(int node) =>
        Child($"gradients-to-{node}", () => Props.Create(() => new GradientSender(Link(TensorKind.Gradient, node))));

    /// <summary>The one publication sender standing for every worker of the member at <paramref name="node"/>.</summary>
    private IActorRef PublicationSender(int node) =>
        Child($"publications-to-{node}", () => Props.Create(() => new PublicationSender(Link(TensorKind.Parameters, node))));

    /// <summary>The model placement: what stands for the stage devices on the member at <paramref name="node"/>, over this node's gradient link to it.</summary>
    private IActorRef StageTensorSender(int node) =>
        Child($"stage-tensors-to-{node}", () => Props.Create(() => new StageTensorSender(Link(TensorKind.Gradient, node))));

    /// <summary>ZeRO: what stands for rank <paramref name="rank"/> on the member at <paramref name="node"/>, over this node's parameters link to it.</summary>
    private IActorRef BatonSender(int node, int rank) =>
        Child($"batons-to-{rank}", () => Props.Create(() => new BatonSender(Link(TensorKind.Parameters, node), rank)));

    /// <summary>This node's tensor link of one kind to the member at <paramref name="node"/> (one per pair and kind).</summary>
    private IActorRef Link(TensorKind kind, int node)
    {
        var transport = _transport;
        var peerName = _setup.Plan.Nodes[node];
        return Child($"link-{TensorInbox.Name(kind)}-{node}", () =>
        {
            if (transport.Path == TensorPath.Channel)
            {
                var trace = _observation.Trace;
                var track = TraceRecorder.LinkTrack(NodeAddress.HostAndPort(SelfNode), NodeAddress.HostAndPort(peerName)) + (kind == TensorKind.Gradient ? " gradients" : " parameters");
                return Props.Create(() => new TensorChannelLink((int)kind, peerName, transport, trace, track));
            }

            var peer = Context.ActorSelection(PathOn(peerName, TensorInbox.Name(kind)));
            return Props.Create(() => new TensorLinkSender(peer, transport));
        });
    }

    private IActorRef Child(string name, Func<Props> props)
    {
        var existing = Context.Child(name);
        return existing.IsNobody() ? Context.ActorOf(props(), name) : existing;
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StopPart stop:
                _pacer?.Cancel(stop.Reason);
                Context.Stop(Self);
                break;
            case ChannelsPlanned channels:
                OnChannelsPlanned(channels);
                break;
            case RemoteRanksResolved resolved:
                Wire(resolved);
                break;
            case MemberPartFailed failed:
                _setup.Member.Tell(failed);
                break;
            case TrainingStarted started:
                // The seed's session sent it (the member forwards it): progress and the trace go there.
                _session = Sender;
                Timers.StartPeriodicTimer(ProgressKey, ProgressDue.Instance, ClusterNodeSettings.From(Context.System.Settings.Config).ProgressInterval);
                Context.ActorSelection(started.CoordinatorPath).ResolveOne(TimeSpan.FromSeconds(30)).ContinueWith<object>(
                    resolved => resolved.IsCompletedSuccessfully
                        ? new CoordinatorResolved(resolved.Result)
                        : new MemberPartFailed($"{SelfNode}: could not reach the coordinator at {started.CoordinatorPath}."),
                    TaskScheduler.Default).PipeTo(Self);
                break;
            case CoordinatorResolved resolved:
                _coordinator = resolved.Coordinator;
                Stash.UnstashAll();
                break;
            case MicroBatchCompleted or WorkerFinished or StageDeviceFinished or StageCut when _coordinator is null:
                Stash.Stash();
                break;
            case StageCut cut:
                // A reducer's cut goes to the seed through the stage's gateway, in chunks, like its final state.
                Context.Child(FinalStateGateway.Name(cut.Stage, cut.Shard)).Tell(new CutToSeed(cut, _coordinator!.Path.Address, _setup.Round));
                break;
            case MicroBatchCompleted or WorkerFinished or StageDeviceFinished:
                _observation.Reported(message);
                _coordinator!.Tell(message, Self);
                break;
            case ProgressDue:
                _observation.MeasureProgress(Links(), Self);
                break;
            case NodeObservation.LinksMeasured measured:
                _observation.OnMeasured(measured, _session);
                break;
            case NodeStatisticsRequested:
                // Asked only after a successful run, when every op, arrival and publication is recorded.
                _observation.ReportStatistics(Links(), Self, Sender);
                _observation.SendTrace(_session, _log);
                break;
            case NodeObservation.FinalMeasured measured:
                _observation.OnFinalMeasured(measured, _session);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private sealed class ProgressDue : INoSerializationVerificationNeeded
    {
        public static readonly ProgressDue Instance = new();
    }

    private sealed record RemoteRanksResolved(IReadOnlyDictionary<int, IActorRef> Workers) : INoSerializationVerificationNeeded;

    private sealed record CoordinatorResolved(IActorRef Coordinator) : INoSerializationVerificationNeeded;
}
