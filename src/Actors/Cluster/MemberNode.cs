using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Cluster;

/// <summary>How a member's part ended: the run finished (or failed, with the reason), or it was refused.</summary>
public sealed record MemberOutcome(bool Succeeded, string Message);

/// <summary>Local: this member's process was told to stop (a signal); the part ends with <paramref name="Reason"/>, which the seed hears too.</summary>
public sealed record StopMemberPart(string Reason) : INoSerializationVerificationNeeded;

/// <summary>
/// What a member node is built with (in-process construction arguments). <paramref name="OnAdmitted"/>
/// hears the ranks the coordinator gave (none on a reducer-only member). <paramref name="WarmUpBackend"/>,
/// when given, makes a backend on a pool of its own for the pass that compiles the kernels before the
/// member's first workers start (<see cref="OpFootprint"/>, as <c>cyclic train</c> runs it).
/// </summary>
public sealed record MemberNodeSetup(
    int Workers,
    Func<Dataset> LoadData,
    CyclicSettings Settings,
    TimeSpan RetryInterval,
    TaskCompletionSource<MemberOutcome> Outcome,
    Func<int, MemoryLedger, IComputeBackend>? BackendFactory = null,
    Action<int[]>? OnAdmitted = null,
    Func<MemoryLedger, IComputeBackend>? ReducerBackendFactory = null,
    IDevicePool? DevicePool = null,
    Func<MemoryLedger, (IComputeBackend Backend, IDevicePool Pool)>? WarmUpBackend = null);

/// <summary>
/// A member's side of a run: once Up it asks the coordinator singleton for the options, reads
/// its own data and offers its workers with its model and data fingerprints (repeating each
/// request until answered: delivery is at most once and the singleton may still be starting) and
/// its cluster roles, builds its <see cref="NodeTrainingHost"/> from the plan (rebuilding its
/// training plan first when an elastic start chose fewer workers than the options said), and ends
/// when the coordinator says the run is over or that it is not needed. A refusal, unreadable data
/// or a lost seed ends it with the reason; so does a node that never got into the cluster (no seed
/// answered), naming the seeds.
/// </summary>
public sealed partial class MemberNode : ReceiveActor, IWithTimers
{
    public const string Name = "member";

    private const string RetryKey = "retry";
    private const string FailureGraceKey = "failure-grace";

    // How long a failed part waits for the seed's word before ending with its own reason.
    private static readonly TimeSpan FailureGrace = TimeSpan.FromSeconds(2);

    private readonly MemberNodeSetup _setup;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _self;
    private IActorRef _coordinator = ActorRefs.Nobody;
    private Address? _coordinatorNode;
    private ActorTrainingOptions? _options;
    private bool _warmedUp;
    private Dataset? _data;
    private float[]? _initial;
    private readonly ChannelRoutes _routes = new();
    private IActorRef? _host;
    private TensorChannelListener? _listener;
    private readonly MemberNodeState _state = new();
    private bool _trace;
    private int _resumeStep;
    private int _round;
    private bool _continueOnLoss;
    private bool _running;
    private int? _nonFiniteStep;
    private IActorRef? _stoppingHost;
    private TrainingCut? _resumeCut;
    private NodePlanned? _planWaitingForCut;

    public MemberNode(MemberNodeSetup setup)
    {
        _setup = setup;
        _self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Receive<Up>(_ =>
        {
            if (_state.Up())
            {
                Request(new TrainingOptionsRequested(_self, _setup.Workers));
            }
        });
        Receive<StopMemberPart>(stop => Fail(stop.Reason));
        Receive<Retry>(retry => _coordinator.Tell(retry.Message));
        Receive<TrainingOptionsShared>(OnOptions);
        Receive<MemberRefused>(refused =>
        {
            if (_state.RefusalCounts())
            {
                End(false, $"refused by the coordinator: {refused.Reason}");
            }
        });
        Receive<MemberAdmitted>(admitted =>
        {
            Timers.Cancel(RetryKey);
            if (_state.AdmittedArrived())
            {
                _setup.OnAdmitted?.Invoke(admitted.Ranks);
                _log.Info("Admitted with ranks {0}.", string.Join(",", admitted.Ranks));
            }
        });
        Receive<NodePlanned>(OnPlanned);
        Receive<ResumeCutReady>(ready =>
        {
            _resumeCut = ready.Cut;
            if (_planWaitingForCut is { } plan)
            {
                _planWaitingForCut = null;
                Build(plan);
            }
        });
        Receive<NodeReady>(ready => _coordinator.Tell(ready));
        Receive<NodeWired>(wired => _coordinator.Tell(wired));
        Receive<InboxesReady>(inboxes => _routes.Open(inboxes.Gradients, inboxes.Parameters));
        Receive<TrainingStarted>(started =>
        {
            _running = _host is not null;
            _host?.Forward(started);
        });
        Receive<ChannelsPlanned>(OnChannelsPlanned);
        Receive<NodeStatisticsRequested>(request => _host?.Forward(request));
        Receive<TrainingEnded>(ended => End(ended.Succeeded, ended.Message));
        Receive<MemberPartFailed>(failed => Sender.Equals(_host), failed => OnPartFailed(failed.Reason, failed.NonFiniteStep));
        Receive<MemberPartFailed>(failed => _log.Debug("Ignored a failure of a part that no longer runs: {0}", failed.Reason));
        Receive<FailureSettled>(_ => OnFailureSettled());
        Receive<RunRestarting>(OnRestarting);
        Receive<Terminated>(terminated =>
        {
            if (terminated.ActorRef.Equals(_stoppingHost))
            {
                _stoppingHost = null;
                Request(new TrainingOptionsRequested(_self, _setup.Workers));
            }
        });
        Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(removed =>
        {
            if (IsCoordinatorNode(removed.Member))
            {
                End(false, $"the coordinator's node {removed.Member.Address} left the cluster.");
            }
        });
        Receive<Akka.Cluster.ClusterEvent.IMemberEvent>(_ => { });
        Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _coordinator = CoordinatorSingleton.Proxy(Context.System, "coordinator-proxy-" + Self.Path.Name);
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        cluster.Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(Akka.Cluster.ClusterEvent.MemberRemoved));
        var self = Self;
        cluster.RegisterOnMemberUp(() => self.Tell(Up.Instance));
    }

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        _listener?.Dispose();

        // A node downed by the split-brain resolver (cut off from the majority), or one that gave up
        // joining, shuts its system down without any message reaching this actor first; the caller
        // must still hear why.
        if (_setup.Outcome.TrySetResult(new MemberOutcome(false, _state.WasUp ? StoppedInTheCluster() : NeverJoined())))
        {
            _log.Info("Member stopped before the run ended.");
        }
    }

    /// <summary>
    /// The node of the coordinator this member works for. Another node with the coordinator role (a
    /// second seed, refused by the first) may join and leave without ending this member's part.
    /// </summary>
    private bool IsCoordinatorNode(Akka.Cluster.Member member)
    {
        if (!member.HasRole(CoordinatorSingleton.Role))
        {
            return false;
        }

        if (_coordinatorNode is { } known)
        {
            return member.Address.Equals(known);
        }

        // No answer from the coordinator yet: only the last coordinator-role node leaving ends the part.
        return !Akka.Cluster.Cluster.Get(Context.System).State.Members.Any(other => other.HasRole(CoordinatorSingleton.Role) && !other.Address.Equals(member.Address));
    }

    private string StoppedInTheCluster() =>
        $"this node ({_self}) stopped before the run ended: it was removed from the cluster (cut off from the others and downed) or shut down.";

    private string NeverJoined()
    {
        var settings = Akka.Cluster.Cluster.Get(Context.System).Settings;
        var seeds = string.Join(", ", settings.SeedNodes);
        var waited = settings.ShutdownAfterUnsuccessfulJoinSeedNodes is { } limit ? $" within {limit.TotalSeconds:0.#} s" : string.Empty;
        return $"the seed {seeds} is unreachable: no answer to this node's join requests{waited} (is the seed running, and is --seed-node its address?).";
    }

    private void Request(object message)
    {
        _coordinator.Tell(message);
        Timers.StartPeriodicTimer(RetryKey, new Retry(message), _setup.RetryInterval);
    }

    private void OnOptions(TrainingOptionsShared shared)
    {
        if (!_state.OptionsArrived())
        {
            return; // a repeated request's second answer
        }

        Timers.Cancel(RetryKey);
        _coordinatorNode = Sender.Path.Address.HasLocalScope ? Akka.Cluster.Cluster.Get(Context.System).SelfAddress : Sender.Path.Address;
        try
        {
            _options = SharedTrainingOptions.ToOptions(shared);
            _trace = shared.Trace;
            (_round, _continueOnLoss) = (shared.Round, shared.ContinueOnMemberLoss);
            OpenResumeInbox(shared);
            if (_setup.BackendFactory is { } backends)
            {
                _options = _options with { BackendFactory = backends };
            }

            if (_setup.ReducerBackendFactory is { } reducers)
            {
                _options = _options with { ReducerBackendFactory = reducers };
            }

            if (_setup.DevicePool is { } pool)
            {
                // What the pool held before this run (an earlier run's cache) is not this run's.
                pool.ResetPeak();
                _options = _options with { DevicePool = pool };
            }

            var data = _setup.LoadData();
            var (identity, initial) = SharedTrainingOptions.Identify(_options.Training, data);
            (_data, _initial) = (data, initial);
            var roles = Akka.Cluster.Cluster.Get(Context.System).SelfRoles.Order(StringComparer.Ordinal).ToArray();
            Request(new MemberOffered(_self, _setup.Workers, identity.ModelFingerprint, identity.DataFingerprint, identity.TrainSamples, roles));
        }
        catch (Exception e) when (e is ArgumentException or IOException or DataFormatException or UnauthorizedAccessException)
        {
            End(false, $"cannot take part: {e.Message}");
        }
    }

    private void OnPlanned(NodePlanned plan)
    {
        if (!_state.Planned() || _data is null || _initial is null || _options is null)
        {
            return;
        }

        if (_resumeStep > 0 && _resumeCut is null)
        {
            _planWaitingForCut = plan; // the cut comes through a link, unordered with the plan
            return;
        }

        Build(plan);
    }

    private void Build(NodePlanned plan)
    {
        var selfIndex = Array.IndexOf(plan.Nodes, _self);
        if (selfIndex < 0)
        {
            Fail($"the plan does not include this node ({_self}).");
            return;
        }

        // The plan's world size is --workers, or fewer after an elastic start: data order, schedule
        // and steps follow the world size actually started with.
        TrainingPlan training;
        try
        {
            _options = _options! with { Training = _options.Training with { Workers = plan.RankOwners.Length } };
            training = TrainingPlan.Create(_options with { Resume = _resumeCut?.ForWorkers(plan.RankOwners.Length) }, _data!, _initial!);
        }
        catch (ArgumentException e)
        {
            Fail($"{_self}: cannot train with the plan's {plan.RankOwners.Length} workers: {e.Message}");
            return;
        }

        WarmUp(training);
        NodeReady ready;
        try
        {
            ready = Listen();
        }
        catch (IOException e)
        {
            Fail($"{_self}: {e.Message}");
            return;
        }

        var setup = new NodeHostSetup(plan, selfIndex, training, _setup.Settings, new MemoryLedger(), Self, ready, _trace, _round);
        _host = Context.ActorOf(Props.Create(() => new NodeTrainingHost(setup)), NodeTrainingHost.Name);
    }

    /// <summary>
    /// The pass <c>cyclic train</c> runs before its workers start (<see cref="OpFootprint.Measure"/>, for
    /// the same reason: the first step's ops would otherwise be the JIT's, and the pool would keep the
    /// workers' meeting behind it), once per process; a reducer-only member has no workers to warm.
    /// </summary>
    private void WarmUp(TrainingPlan training)
    {
        if (_warmedUp || _setup.WarmUpBackend is null || _setup.Workers == 0)
        {
            return;
        }

        _warmedUp = true;
        var started = System.Diagnostics.Stopwatch.StartNew();
        OpFootprint.Measure(training.Model, training.Partition, training.Config.MicroBatch, _setup.WarmUpBackend);
        _log.Info("Compiled the kernels with one micro-batch through every stage in {0:F0} ms before the workers start.", started.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// A worker, reducer or tensor link of this member failed. When the run ends elsewhere (the seed
    /// was stopped, another member was stopped or lost), a peer's tensor channels close before the
    /// seed's word arrives here, and that word explains the end: so the part waits a moment for it,
    /// and only then tells the seed its own reason and ends with it. A part stopped for a new round may
    /// still report its own cancellation: only the current part's failure counts (see the receive).
    /// </summary>
    private void OnPartFailed(string reason, int? nonFiniteStep)
    {
        if (_state.PartFailed(reason))
        {
            _nonFiniteStep = nonFiniteStep;
            Timers.StartSingleTimer(FailureGraceKey, FailureSettled.Instance, FailureGrace);
        }
    }

    /// <summary>This admitted member's part cannot go on: the seed hears why (it would otherwise only see the node leave), then the part ends.</summary>
    private void Fail(string reason)
    {
        _coordinator.Tell(new TrainingEnded(false, reason));
        End(false, reason);
    }

    private void End(bool succeeded, string message)
    {
        _state.End();
        Timers.CancelAll();
        if (_setup.Outcome.TrySetResult(new MemberOutcome(succeeded, message)))
        {
            _log.Info("Member's part ended: {0}", message);
        }

        _routes.Close();
        if (_host is not null)
        {
            _host.Tell(new StopPart(message));
            _host = null;
        }

        _listener?.Dispose();
        _listener = null;
    }

    private sealed class Up
    {
        public static readonly Up Instance = new();
    }

    private sealed record Retry(object Message);

    private sealed class FailureSettled
    {
        public static readonly FailureSettled Instance = new();
    }
}
