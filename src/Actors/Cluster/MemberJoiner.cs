using Akka.Actor;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Speaks for a member while it joins the training: sends its offer to the coordinator singleton
/// (through the proxy) and repeats it until answered, because the singleton may still be starting
/// or moving and remote delivery is at most once. The coordinator treats a repeated offer from an
/// admitted node as the same admission.
/// </summary>
public sealed class MemberJoiner : ReceiveActor, IWithTimers
{
    private const string RetryKey = "retry";

    private readonly IActorRef _coordinator;
    private readonly MemberOffered _offer;
    private readonly TaskCompletionSource<IMembershipMessage> _answer;
    private readonly TimeSpan _retryInterval;

    public MemberJoiner(IActorRef coordinator, MemberOffered offer, TaskCompletionSource<IMembershipMessage> answer, TimeSpan retryInterval)
    {
        _coordinator = coordinator;
        _offer = offer;
        _answer = answer;
        _retryInterval = retryInterval;
        Receive<Retry>(_ => _coordinator.Tell(_offer));
        Receive<MemberAdmitted>(admitted => Answer(admitted));
        Receive<MemberRefused>(refused => Answer(refused));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _coordinator.Tell(_offer);
        Timers.StartPeriodicTimer(RetryKey, Retry.Instance, _retryInterval);
    }

    private void Answer(IMembershipMessage answer)
    {
        Timers.Cancel(RetryKey);
        _answer.TrySetResult(answer);
    }

    private sealed class Retry
    {
        public static readonly Retry Instance = new();
    }
}
