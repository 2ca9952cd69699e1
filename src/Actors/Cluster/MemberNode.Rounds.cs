using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Cluster;

/// <summary>A member's part in a run that resumes from a cut or re-forms after losing a member.</summary>
public sealed partial class MemberNode
{
    /// <summary>A resumed run: the seed sends the cut before the plan, to an inbox that must exist before this member offers.</summary>
    private void OpenResumeInbox(TrainingOptionsShared shared)
    {
        _resumeStep = shared.ResumeStep;
        if (_resumeStep <= 0)
        {
            return;
        }

        var (self, options, transport) = (Self, _options!, TransportSettings.From(Context.System.Settings.Config));
        var inbox = Context.ActorOf(Props.Create(() => new ResumeInbox(self, shared.Round, shared.ResumeStep, shared.Stages, options.Rule, options.Compensation, shared.Workers)), $"resume-{shared.Round}");
        Context.ActorOf(Props.Create(() => new Transport.Link.TensorLinkReceiver(inbox, transport)), ResumeInbox.Name(shared.Round));
    }

    /// <summary>
    /// The part failed and the seed did not end the run meanwhile. When the seed re-forms runs that
    /// lose a member, this member says why and waits to be re-admitted (the failure is most often a
    /// lost peer's closed channel); otherwise it ends with the reason.
    /// </summary>
    private void OnFailureSettled()
    {
        var reason = _state.Failure ?? "this member's part failed.";
        // Only a part that was training: one that could not even start would fail the same way again.
        // A NaN or infinite value names its step: the seed decides (skip it from a cut, or end the run).
        if ((_continueOnLoss || _nonFiniteStep is not null) && _running)
        {
            _coordinator.Tell(new TrainingEnded(false, reason, Recoverable: true, _nonFiniteStep));
            return;
        }

        Fail(reason);
    }

    /// <summary>
    /// The run re-forms without a lost member: this member stops its part (workers, reducers, links,
    /// its tensor listener) and, once the part has stopped (its actors' names are free again), asks
    /// for the new round's options and offers its workers again.
    /// </summary>
    private void OnRestarting(RunRestarting restarting)
    {
        if (!_state.Restart())
        {
            return;
        }

        _log.Warning("The run re-forms as round {0}: {1}", restarting.Round, restarting.Reason);
        Timers.CancelAll();
        _routes.Close();
        _listener?.Dispose();
        _listener = null;
        (_resumeStep, _resumeCut, _planWaitingForCut, _running, _nonFiniteStep) = (0, null, null, false, null);
        if (_host is null)
        {
            Request(new TrainingOptionsRequested(_self, _setup.Workers));
            return;
        }

        _stoppingHost = _host;
        _host = null;
        Context.Watch(_stoppingHost);
        _stoppingHost.Tell(new StopPart($"the run re-forms as round {restarting.Round}"));
    }
}
