using Akka.Actor;
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
/// array (the runtime keeps tensors in messages) and returned.
/// </summary>
public sealed class TensorInbox : ReceiveActor
{
    public TensorInbox(TensorKind kind, IReadOnlyList<long> stageSizes)
    {
        Receive<TensorReceived>(received =>
        {
            using var tensor = received.Tensor;
            var label = received.Label;
            if (kind == TensorKind.Gradient)
            {
                Context.ActorSelection("../" + ActorNames.Reducer(label.Stage)).Tell(new GradientContributed(label.Stage, label.Step, label.Rank, tensor.ToArray()));
                return;
            }

            var size = (int)stageSizes[label.Stage];
            var parameters = tensor.Span[..size].ToArray();
            var momentum = tensor.Span[size..].ToArray();
            Context.ActorSelection("../" + ActorNames.Worker(label.Rank)).Tell(new ParametersPublished(label.Stage, label.Step, parameters, momentum));
        });
    }

    public static string Name(TensorKind kind) => kind == TensorKind.Gradient ? "gradients-in" : "parameters-in";
}
