using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// How the admission ended: ready to start with <paramref name="Workers"/> ranks (all wanted, or
/// fewer at the join timeout; each member with its link, and those not needed), or the join
/// timeout with who is missing.
/// </summary>
public abstract record AdmissionOutcome
{
    private AdmissionOutcome()
    {
    }

    public sealed record Ready(IReadOnlyList<AdmittedMember> Members, int Workers, IReadOnlyList<AdmittedMember> NotNeeded) : AdmissionOutcome;

    public sealed record TimedOut(string Missing) : AdmissionOutcome;
}

/// <summary>A member that took part: its address, its ranks and roles, and the actor that spoke for it.</summary>
public sealed record AdmittedMember(AdmittedNode Admitted, IActorRef Joiner)
{
    public string Node => Admitted.Node;

    public int[] Ranks => Admitted.Ranks;
}

/// <summary>
/// What the admission coordinator is built with (in-process construction arguments):
/// <paramref name="MinWorkers"/> (null: all <paramref name="Workers"/>) and the world sizes the
/// update rule accepts (null: any) decide an elastic start at the join timeout.
/// </summary>
public sealed record AdmissionSetup(TrainingIdentity Expected, int Workers, TimeSpan JoinTimeout, TaskCompletionSource<AdmissionOutcome> Outcome,
    int? MinWorkers = null, IReadOnlyList<int>? ValidWorldSizes = null);

/// <summary>
/// The first duty of the coordinator singleton: admit members until all N ranks are taken (an
/// <see cref="AdmissionState"/> decides), answer each offer, forget members removed from the
/// cluster before the start, and at the join timeout start with fewer (when min-workers allows)
/// or give up naming who is missing.
/// </summary>
public sealed class AdmissionCoordinator : ReceiveActor, IWithTimers
{
    private const string JoinTimeoutKey = "join-timeout";

    private readonly AdmissionSetup _setup;
    private readonly AdmissionState _state;
    private readonly Dictionary<string, IActorRef> _joiners = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public AdmissionCoordinator(AdmissionSetup setup)
    {
        _setup = setup;
        _state = new AdmissionState(setup.Expected, setup.Workers, setup.MinWorkers, setup.ValidWorldSizes);
        Receive<MemberOffered>(OnOffer);
        Receive<ClusterEvent.MemberRemoved>(removed => OnRemoved(removed.Member.Address.ToString()));
        Receive<JoinTimedOut>(_ => OnJoinTimedOut());
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent));
        Timers.StartSingleTimer(JoinTimeoutKey, JoinTimedOut.Instance, _setup.JoinTimeout);
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnOffer(MemberOffered offer)
    {
        var answer = _state.Decide(offer);
        Sender.Tell(answer);
        if (answer is MemberRefused refused)
        {
            _log.Warning("Refused member {0}: {1}", offer.Node, refused.Reason);
            return;
        }

        _joiners[offer.Node] = Sender;
        _log.Info("Admitted member {0} with {1} workers; {2} of {3} ranks taken.", offer.Node, offer.Workers, _state.AdmittedWorkers, _state.Workers);
        if (_state.IsComplete)
        {
            Finish(Ready(_state.Start(_state.Workers)));
        }
    }

    private void OnJoinTimedOut()
    {
        var (start, description) = _state.AfterTimeout(_setup.JoinTimeout);
        if (start is null)
        {
            Finish(new AdmissionOutcome.TimedOut(description));
            return;
        }

        // The seed's stdout logger shows warnings: this is the one line that says the run is smaller.
        _log.Warning("{0}", description);
        Finish(Ready(start));
    }

    private AdmissionOutcome.Ready Ready(AdmissionStart start) => new(
        start.Members.Select(member => new AdmittedMember(member, _joiners[member.Node])).ToArray(),
        start.Workers,
        start.NotNeeded.Select(member => new AdmittedMember(member, _joiners[member.Node])).ToArray());

    private void OnRemoved(string node)
    {
        if (_state.Remove(node))
        {
            _joiners.Remove(node);
            _log.Warning("Member {0} left before training started; its ranks are free again.", node);
        }
    }

    private void Finish(AdmissionOutcome outcome)
    {
        Timers.CancelAll();
        _setup.Outcome.TrySetResult(outcome);
        // The state is closed: a started member's repeated offer (its retry crossed our answer) gets its ranks again, any other is refused.
        Become(() => Receive<MemberOffered>(offer => Sender.Tell(_state.Decide(offer))));
    }

    private sealed class JoinTimedOut
    {
        public static readonly JoinTimedOut Instance = new();
    }
}
