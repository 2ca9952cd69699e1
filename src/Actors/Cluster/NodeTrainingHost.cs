using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Reduce;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;
using CyclicActors.Actors.Transport.Link;
using CyclicActors.Actors.Workers;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Cluster;

/// <summary>What a member's training host is built with (in-process construction arguments).</summary>
internal sealed record NodeHostSetup(
    NodePlanned Plan,
    int SelfIndex,
    ActorTrainingOptions Options,
    ActorTrainer.TrainingPlan Training,
    CyclicSettings Settings,
    MemoryLedger ProcessLedger,
    IActorRef Member,
    NodeReady Ready,
    bool Trace);

/// <summary>Local: this member's part of the run failed (the reason names the node); the member tells the seed and ends.</summary>
internal sealed record MemberPartFailed(string Reason) : INoSerializationVerificationNeeded;

/// <summary>Local: a tensor that arrived complete on one of this node's tensor channels (<see cref="TensorKind"/> is the channel number).</summary>
internal sealed record ChannelTensorArrived(TensorKind Kind, TransferLabel Label, PooledTensor Tensor) : INoSerializationVerificationNeeded;

/// <summary>
/// A member's part of the run, under one parent so the one-process actors find each other by
/// sibling name: its workers and reducers, a <see cref="RemoteRelay"/> named like every worker or
/// reducer that runs elsewhere, a tensor link per other member and kind, and an inbox per kind, so
/// stage tensors cross between members in bounded chunks: on the channel path through dedicated
/// TCP channels (the member's listener hands arrivals to this host), on the Akka path through
/// receiving link actors. Workers report to their parent; this host passes their
/// reports on to the coordinator once it knows where that is (holding them until then). A child
/// failure ends the member's part of the run: it is reported and nothing restarts. While training
/// runs it reports the node's progress to the seed's session every progress interval; with
/// tracing on, its workers and reducers record into one trace, sent to the session in batches at
/// the end of a successful run.
/// </summary>
internal sealed class NodeTrainingHost : UntypedActor, IWithUnboundedStash, IWithTimers
{
    public const string Name = "training";

    private const string ProgressKey = "progress";

    private readonly NodeHostSetup _setup;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TraceRecorder? _trace;
    private readonly TransportSettings _transport = TransportSettings.From(Context.System.Settings.Config);
    private ActorSelection? _coordinator;
    private IActorRef _session = ActorRefs.Nobody;
    private int _microBatches;
    private bool _measuring;

    public NodeTrainingHost(NodeHostSetup setup)
    {
        _setup = setup;
        _trace = setup.Trace ? new TraceRecorder() : null;
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
                _setup.Member.Tell(new MemberPartFailed($"{SelfNode}: {error.Message}"));
                return Directive.Stop;
            },
            loggingEnabled: false);

    protected override void PreStart()
    {
        var plan = _setup.Plan;
        var training = _setup.Training;
        var options = _setup.Options;
        var transport = _transport;
        var stageSizes = training.InitialStageParameters.Select(stage => (long)stage.Length).ToArray();
        var localRanks = ClusterPlacement.PartOf(plan, SelfNode).Ranks;
        foreach (var kind in new[] { TensorKind.Gradient, TensorKind.Parameters })
        {
            var inbox = Context.ActorOf(Props.Create(() => new TensorInbox(kind, stageSizes, localRanks)), InboxName(kind));
            if (transport.Path == TensorPath.Akka)
            {
                Context.ActorOf(Props.Create(() => new TensorLinkReceiver(inbox, transport)), TensorInbox.Name(kind));
            }
        }

        var reducers = new List<IActorRef>();
        for (var stage = 0; stage < plan.StageOwners.Length; stage++)
        {
            var owner = plan.StageOwners[stage];
            if (owner == _setup.SelfIndex)
            {
                var reducerSetup = new ReducerSetup(stage, plan.RankOwners.Length, training.InitialStageParameters[stage], options.Training, training.TotalSteps,
                    PublishMomentum: options.Compensation == DelayCompensation.Lookahead, _setup.ProcessLedger, _trace);
                reducers.Add(Context.ActorOf(Props.Create(() => new ReducerActor(reducerSetup)).WithDispatcher(_setup.Settings.ReducerDispatcher), ActorNames.Reducer(stage)));
                var gatewayStage = stage;
                Context.ActorOf(Props.Create(() => new FinalStateGateway(gatewayStage, transport)), FinalStateGateway.Name(stage));
            }
            else
            {
                var path = PathOn(plan.Nodes[owner], ActorNames.Reducer(stage));
                var link = Link(TensorKind.Gradient, owner);
                reducers.Add(Context.ActorOf(Props.Create(() => new RemoteRelay(path, link, 0)), ActorNames.Reducer(stage)));
            }
        }

        for (var rank = 0; rank < plan.RankOwners.Length; rank++)
        {
            var owner = plan.RankOwners[rank];
            if (owner == _setup.SelfIndex)
            {
                var workerSetup = new WorkerSetup(rank, training.Schedule, training.TotalSteps, options.Compensation, RingEpoch: 1, options.Training,
                    training.Model, training.Partition, training.Dataset, options.BackendFactory, _setup.ProcessLedger, reducers, _trace);
                Context.ActorOf(Props.Create(() => new WorkerActor(workerSetup)).WithDispatcher(_setup.Settings.WorkerDispatcher), ActorNames.Worker(rank));
            }
            else
            {
                var path = PathOn(plan.Nodes[owner], ActorNames.Worker(rank));
                var forwarder = Forwarder(owner);
                var remoteRank = rank;
                Context.ActorOf(Props.Create(() => new RemoteRelay(path, forwarder, remoteRank)), ActorNames.Worker(rank));
            }
        }

        _setup.Member.Tell(_setup.Ready);
    }

    private static string InboxName(TensorKind kind) => TensorInbox.Name(kind) + "box";

    /// <summary>Hands each channel link its peer's endpoint; a plan that does not match the nodes is refused, not trusted.</summary>
    private void OnChannelsPlanned(ChannelsPlanned channels)
    {
        var nodes = _setup.Plan.Nodes.Length;
        if (channels.Hosts.Length != nodes || channels.Ports.Length != nodes || channels.Tokens.Length != nodes)
        {
            var reason = $"the channel plan lists {channels.Hosts.Length} hosts, {channels.Ports.Length} ports and {channels.Tokens.Length} tokens for {nodes} nodes.";
            _log.Error("Refusing a malformed channel plan: {0}", reason);
            _setup.Member.Tell(new MemberPartFailed($"{SelfNode}: {reason}"));
            return;
        }

        var links = Context.GetChildren().Where(child => child.Path.Name.StartsWith("link-", StringComparison.Ordinal)).ToArray();
        if (_transport.Path != TensorPath.Channel)
        {
            return; // this node's links go through Akka.Remote
        }

        var akkaPeers = links.Select(PeerOf).Distinct().Where(peer => channels.Hosts[peer].Length == 0).Select(peer => _setup.Plan.Nodes[peer]).ToArray();
        if (akkaPeers.Length > 0)
        {
            var reason = $"{string.Join(", ", akkaPeers)} send tensors through Akka ({TransportSettings.PathKey} = akka) and this node through the channel; set it alike on every node.";
            _log.Error(reason);
            _setup.Member.Tell(new MemberPartFailed($"{SelfNode}: {reason}"));
            return;
        }

        foreach (var link in links)
        {
            var peer = PeerOf(link);
            link.Tell(new ChannelEndpoint(channels.Hosts[peer], channels.Ports[peer], channels.Tokens[peer]));
        }
    }

    private static int PeerOf(IActorRef link) =>
        int.Parse(link.Path.Name[(link.Path.Name.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Bytes each of this node's links sent, summed per peer member, and its activation peak; a
    /// last progress report with the same figures goes to the session first, so the seed's
    /// cluster view ends at the final values even when the run was shorter than a progress interval.
    /// </summary>
    private void ReportStatistics(IActorRef replyTo) =>
        MeasureLinks().ContinueWith(sent => new FinalMeasured(sent.Result, replyTo), TaskContinuationOptions.OnlyOnRanToCompletion).PipeTo(Self);

    private void OnFinalMeasured(FinalMeasured measured)
    {
        ReportProgress(measured.ByPeer);
        var (peers, bytes) = ByPeerNode(measured.ByPeer);
        measured.ReplyTo.Tell(new NodeStatistics(SelfNode, peers, bytes, _setup.ProcessLedger.PeakBytes(MemoryTag.Activations)));
    }

    /// <summary>Payload bytes this node's links (both kinds) have sent so far, summed per peer member, by peer index.</summary>
    private Task<(int Peer, long Bytes)[]> MeasureLinks()
    {
        var links = Context.GetChildren().Where(child => child.Path.Name.StartsWith("link-", StringComparison.Ordinal)).ToArray();
        var asks = links.Select(async link =>
        {
            var peer = PeerOf(link);
            var statistics = await link.Ask<LinkStatistics>(LinkStatisticsRequested.Instance, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            return (Peer: peer, statistics.PayloadBytes);
        });
        return Task.WhenAll(asks).ContinueWith(
            sent => sent.Result.GroupBy(link => link.Peer).OrderBy(group => group.Key).Select(group => (group.Key, group.Sum(link => link.PayloadBytes))).ToArray(),
            TaskContinuationOptions.OnlyOnRanToCompletion);
    }

    /// <summary>Measures the links (asynchronously; at most one measurement out at a time), then reports.</summary>
    private void MeasureProgress()
    {
        if (_measuring)
        {
            return;
        }

        _measuring = true;
        MeasureLinks().ContinueWith(sent => new LinksMeasured(sent.IsCompletedSuccessfully ? sent.Result : null), TaskScheduler.Default).PipeTo(Self);
    }

    private void ReportProgress((int Peer, long Bytes)[] byPeer)
    {
        var ledger = _setup.ProcessLedger;
        long live = ledger.LiveBytes(MemoryTag.Activations);
        _trace?.Counter("live activation bytes", live);
        var (peers, bytes) = ByPeerNode(byPeer);
        _session.Tell(new NodeProgress(SelfNode, Math.Max(1, _clock.ElapsedMilliseconds), peers, bytes, live, ledger.PeakBytes(MemoryTag.Activations), _microBatches));
    }

    /// <summary>Peer addresses and bytes sent to each, as the wire messages carry them.</summary>
    private (string[] Peers, long[] Bytes) ByPeerNode((int Peer, long Bytes)[] byPeer) =>
        (byPeer.Select(link => _setup.Plan.Nodes[link.Peer]).ToArray(), byPeer.Select(link => link.Bytes).ToArray());

    /// <summary>The trace so far, in batches under the frame limit, to the session (which waits for every member's).</summary>
    private void SendTrace()
    {
        if (_trace is null)
        {
            return;
        }

        _trace.Counter("live activation bytes", _setup.ProcessLedger.LiveBytes(MemoryTag.Activations));
        var batches = TraceBatches.Split(SelfNode, _trace.Snapshot());
        foreach (var batch in batches)
        {
            _session.Tell(batch);
        }

        _log.Info("Sent the trace ({0} events) to the seed in {1} batches.", _trace.EventCount, batches.Length);
    }

    /// <summary>The one publication forwarder for the member at <paramref name="node"/>, over this node's parameters link to it.</summary>
    private IActorRef Forwarder(int node)
    {
        var existing = Context.Child(PublicationForwarder.Name(node));
        if (!existing.IsNobody())
        {
            return existing;
        }

        var link = Link(TensorKind.Parameters, node);
        return Context.ActorOf(Props.Create(() => new PublicationForwarder(link)), PublicationForwarder.Name(node));
    }

    /// <summary>This node's tensor link of one kind to the member at <paramref name="node"/> (one per pair and kind).</summary>
    private IActorRef Link(TensorKind kind, int node)
    {
        var transport = _transport;
        var name = $"link-{TensorInbox.Name(kind)}-{node}";
        var existing = Context.Child(name);
        if (!existing.IsNobody())
        {
            return existing;
        }

        if (transport.Path == TensorPath.Channel)
        {
            var peerName = _setup.Plan.Nodes[node];
            var trace = _trace;
            var track = TraceRecorder.LinkTrack(NodeAddress.HostAndPort(SelfNode), NodeAddress.HostAndPort(peerName)) + (kind == TensorKind.Gradient ? " gradients" : " parameters");
            return Context.ActorOf(Props.Create(() => new TensorChannelLink((int)kind, peerName, transport, trace, track)), name);
        }

        var peer = Context.ActorSelection(PathOn(_setup.Plan.Nodes[node], TensorInbox.Name(kind)));
        return Context.ActorOf(Props.Create(() => new TensorLinkSender(peer, transport)), name);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case TrainingStarted started:
                _coordinator = Context.ActorSelection(started.CoordinatorPath);
                // The seed's session sent it (the member forwards it): progress and the trace go there.
                _session = Sender;
                Timers.StartPeriodicTimer(ProgressKey, ProgressDue.Instance, ClusterNodeSettings.From(Context.System.Settings.Config).ProgressInterval);
                Stash.UnstashAll();
                break;
            case MicroBatchCompleted or WorkerFinished when _coordinator is null:
                Stash.Stash();
                break;
            case MicroBatchCompleted or WorkerFinished:
                if (message is MicroBatchCompleted)
                {
                    _microBatches++;
                }

                _coordinator!.Tell(message, Self);
                break;
            case ProgressDue:
                MeasureProgress();
                break;
            case LinksMeasured measured:
                _measuring = false;
                if (measured.ByPeer is { } byPeer)
                {
                    ReportProgress(byPeer);
                }

                break;
            case FinalMeasured measured:
                OnFinalMeasured(measured);
                break;
            case NodeStatisticsRequested:
                // Asked only after a successful run, when every op, arrival and publication is recorded.
                ReportStatistics(Sender);
                SendTrace();
                break;
            case ChannelsPlanned channels:
                OnChannelsPlanned(channels);
                break;
            case ChannelTensorArrived arrived:
                Context.Child(InboxName(arrived.Kind)).Tell(new TensorReceived(arrived.Label, arrived.Tensor, ActorRefs.Nobody));
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

    /// <summary>Bytes sent per peer index, or null when a link did not answer in time.</summary>
    private sealed record LinksMeasured((int Peer, long Bytes)[]? ByPeer) : INoSerializationVerificationNeeded;

    /// <summary>The links' final byte counts, for the statistics owed to <paramref name="ReplyTo"/>.</summary>
    private sealed record FinalMeasured((int Peer, long Bytes)[] ByPeer, IActorRef ReplyTo) : INoSerializationVerificationNeeded;
}
