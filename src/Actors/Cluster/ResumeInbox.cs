using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>Local: every stage of the cut a resumed cluster run starts from has arrived.</summary>
internal sealed record ResumeCutReady(TrainingCut Cut) : INoSerializationVerificationNeeded;

/// <summary>
/// On a member of a resumed cluster run: gathers the cut the seed sends before the plan, one tensor
/// per stage (<see cref="StageCutWire"/>) through the link whose receiver is <see cref="Name"/>, and
/// tells its parent once every stage is in. A tensor for another step, a stage twice or one that does
/// not split is dropped with a warning (the seed's ready timeout then ends the run with the reason).
/// </summary>
internal sealed class ResumeInbox : ReceiveActor
{
    /// <summary>The link receiver the seed sends round <paramref name="round"/>'s cut to, a child of the member node.</summary>
    public static string Name(int round) => $"resume-in-{round}";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly StageCut?[] _stages;

    public ResumeInbox(IActorRef parent, int round, int step, int stages, UpdateRule rule, DelayCompensation compensation, int workers)
    {
        _stages = new StageCut?[stages];
        Receive<TensorReceived>(received =>
        {
            using var tensor = received.Tensor;
            var label = received.Label;
            if (!StageCutWire.IsCut(label) || StageCutWire.RoundOf(label) != round || label.Step != step || label.Stage < 0 || label.Stage >= stages || _stages[label.Stage] is not null)
            {
                _log.Warning("Dropped a resume tensor for stage {0} at step {1}: this member resumes at step {2} and expects each of {3} stages once.", label.Stage, label.Step, step, stages);
                return;
            }

            try
            {
                _stages[label.Stage] = StageCutWire.Split(label, tensor.Span, rule, compensation, workers);
            }
            catch (InvalidOperationException e)
            {
                _log.Warning("Dropped a resume tensor: {0}", e.Message);
                return;
            }

            if (_stages.All(stage => stage is not null))
            {
                parent.Tell(new ResumeCutReady(new TrainingCut(step, _stages!)));
            }
        });
    }
}
