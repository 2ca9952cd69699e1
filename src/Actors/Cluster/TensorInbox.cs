using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>What the tensors arriving at an inbox are.</summary>
public enum TensorKind
{
    /// <summary>A worker's stage gradient: label (step, stage, contributing rank).</summary>
    Gradient,

    /// <summary>A reducer's publication for one worker: label (version, stage, receiving rank); parameters then momentum.</summary>
    Parameters,
}

/// <summary>
/// Turns tensors that arrived through a tensor link back into the runtime's messages and hands
/// them to the sibling worker or reducer they are for, so workers and reducers never know the
/// tensor crossed the network in chunks. The pooled buffer is copied once into the message's own
/// array (the runtime keeps tensors in messages) and returned. A publication arrives once per node
/// (see <see cref="PublicationForwarder"/>) and goes to every worker of this node, as a reducer's
/// publication does in one process; a label naming a rank or stage this node does not hold is
/// logged and dropped.
/// </summary>
public sealed class TensorInbox : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="localRanks">The ranks of this node's own workers.</param>
    public TensorInbox(TensorKind kind, IReadOnlyList<long> stageSizes, IReadOnlyList<int> localRanks)
    {
        Receive<TensorReceived>(received =>
        {
            using var tensor = received.Tensor;
            var label = received.Label;
            if (label.Stage >= stageSizes.Count)
            {
                _log.Warning("Dropped a {0} tensor for stage {1}: the model has {2} stages.", kind, label.Stage, stageSizes.Count);
                return;
            }

            if (kind == TensorKind.Gradient)
            {
                Context.ActorSelection("../" + ActorNames.Reducer(label.Stage)).Tell(new GradientContributed(label.Stage, label.Step, label.Rank, tensor.ToArray()));
                return;
            }

            var size = (int)stageSizes[label.Stage];
            if (!localRanks.Contains(label.Rank) || tensor.Length < size)
            {
                _log.Warning("Dropped a publication of stage {0} for rank {1} with {2} values: this node's ranks are {3} and the stage has {4} parameters.",
                    label.Stage, label.Rank, tensor.Length, string.Join(",", localRanks), size);
                return;
            }

            var published = new ParametersPublished(label.Stage, label.Step, tensor.Span[..size].ToArray(), tensor.Span[size..].ToArray());
            foreach (var rank in localRanks)
            {
                Context.ActorSelection("../" + ActorNames.Worker(rank)).Tell(published);
            }
        });
    }

    public static string Name(TensorKind kind) => kind == TensorKind.Gradient ? "gradients-in" : "parameters-in";
}
