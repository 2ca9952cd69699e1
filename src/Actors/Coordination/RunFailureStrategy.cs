using Akka.Actor;
using CyclicActors.Actors.Planning;

namespace CyclicActors.Actors.Coordination;

/// <summary>
/// The coordinator's supervision: any failure of a worker or reducer stops it and fails the run
/// (no restarts: a restarted replica would silently lose its place in the schedule). Failures the
/// run reports as one clear line itself (a NaN or infinite value, a stall, a worker released from a
/// pacing wait because the run is ending) are not logged again with their stack traces by every
/// actor they reach; anything else is, as Akka does by default.
/// </summary>
internal sealed class RunFailureStrategy(Func<Exception, Directive> decider) : OneForOneStrategy(decider)
{
    protected override void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive)
    {
        if (NonFiniteActionNames.StepOf(cause) is null && cause is not RunStalledException and not OperationCanceledException)
        {
            base.LogFailure(context, child, cause, directive);
        }
    }
}
