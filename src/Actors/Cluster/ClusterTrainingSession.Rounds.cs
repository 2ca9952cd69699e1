using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Local, from the seed's run loop: a member was lost; the run re-forms as <paramref name="Round"/>
/// from <paramref name="Cut"/> (null: from the start) with <paramref name="Options"/>, admitting for
/// up to <paramref name="JoinTimeout"/>; the new round reports on <paramref name="Ready"/> and <paramref name="MemberLost"/>.
/// </summary>
public sealed record RestartRound(
    int Round,
    Planning.TrainingCut? Cut,
    TrainingOptionsShared Options,
    TimeSpan JoinTimeout,
    string Reason,
    TaskCompletionSource<SessionReady> Ready,
    TaskCompletionSource<MemberLoss> MemberLost) : INoSerializationVerificationNeeded;

/// <summary>Why a round cannot go on, and whether re-forming the run can help (a lost or failed member, not one stopped on purpose).</summary>
public sealed record MemberLoss(string Reason, bool Recoverable, int? NonFiniteStep = null);

/// <summary>The session's rounds: admitting, re-forming after a lost member, sending the cut a round resumes from, and taking the reducers' cuts.</summary>
public sealed partial class ClusterTrainingSession
{
    /// <summary>A fresh admission for this round: members offer, and it decides when the round starts.</summary>
    private void StartAdmission(TimeSpan joinTimeout)
    {
        var admitted = new TaskCompletionSource<AdmissionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var validWorldSizes = ElasticStart.ValidWorldSizes(UpdateRuleNames.ParseUpdateRule(_setup.Options.Rule), _setup.Options.Stages);
        var admission = new AdmissionSetup(_setup.Identity, _setup.Options.Workers, joinTimeout, admitted, _setup.MinWorkers, validWorldSizes);
        _admission = Context.ActorOf(Props.Create(() => new AdmissionCoordinator(admission)), $"admission-{_round}");
        var round = _round;
        admitted.Task.ContinueWith(outcome => (object)new RoundAdmission(round, outcome.Result), TaskScheduler.Default).PipeTo(Self);
    }

    /// <summary>
    /// The run re-forms: the survivors of the last round stop their parts and ask for the new options
    /// (which say where to resume); a new admission takes their offers and any replacement's.
    /// </summary>
    private void OnRestart(RestartRound restart)
    {
        var survivors = _members.Where(member => !_lost.Contains(member.Node)).ToArray();
        _round = restart.Round;
        _setup = _setup with { Options = restart.Options, Resume = restart.Cut, Ready = restart.Ready, MemberLost = restart.MemberLost };
        _state = new ClusterSessionState();
        _members = [];
        _coordinator = ActorRefs.Nobody;
        Timers.Cancel(ReadyTimeoutKey);
        Context.Stop(_admission);
        foreach (var member in survivors)
        {
            member.Joiner.Tell(new RunRestarting(restart.Round, restart.Reason), Self);
        }

        StartAdmission(restart.JoinTimeout);
        Become(Admitting);
    }

    /// <summary>
    /// A resumed run: every member gets the whole cut (each stage as one tensor, through a chunked link
    /// to its resume inbox) before it builds; it waits for it if the plan arrives first.
    /// </summary>
    private void SendResumeCut()
    {
        if (_setup.Resume is not { } cut)
        {
            return;
        }

        var transport = TransportSettings.From(Context.System.Settings.Config);
        for (var index = 0; index < _members.Count; index++)
        {
            var inbox = Context.ActorSelection($"{_members[index].Node}/user/{MemberNode.Name}/{ResumeInbox.Name(_round)}");
            var link = Context.ActorOf(Props.Create(() => new TensorLinkSender(inbox, transport)), $"resume-to-{_round}-{index}");
            foreach (var stage in cut.Stages)
            {
                link.Tell(new SendTensor(StageCutWire.Label(stage, _round), StageCutWire.Flatten(stage), ReplyTo: null));
            }
        }
    }

    /// <summary>A reducer's final state or cut, from its member's gateway, for the coordinator.</summary>
    private void OnTensor(TensorReceived received)
    {
        if (!FinalStateInbox.IsCut(received))
        {
            try
            {
                _coordinator.Tell(FinalStateInbox.ToMessage(received));
            }
            catch (InvalidDataException e)
            {
                // The coordinator then names the stage whose final state is missing when it gives up waiting.
                _log.Error("Dropped a final state: {0}", e.Message);
            }

            return;
        }

        using var tensor = received.Tensor;
        if (StageCutWire.RoundOf(received.Label) is var round && round != _round)
        {
            // Sent before the run re-formed: the coordinator it was for is gone.
            _log.Info("Dropped the cut at step {0} of stage {1}: it belongs to round {2}, the run is in round {3}.", received.Label.Step, received.Label.Stage, round, _round);
            return;
        }

        try
        {
            var options = _setup.Options;
            var cut = StageCutWire.Split(received.Label, tensor.Span, UpdateRuleNames.ParseUpdateRule(options.Rule),
                Compensation.DelayCompensationNames.Parse(options.Compensation), _state.Plan!.RankOwners.Length);
            _coordinator.Tell(cut);
        }
        catch (InvalidOperationException e)
        {
            _log.Error("Dropped a cut: {0}", e.Message);
        }
    }
}
