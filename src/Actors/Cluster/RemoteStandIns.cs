using Akka.Actor;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// What a local worker sends a stage's gradients to when that stage's reducer runs on another
/// node: turns each contribution into one labelled tensor on this node's gradient link to that node.
/// </summary>
public sealed class GradientSender : ReceiveActor
{
    /// <param name="link">This node's gradient link to the reducer's node.</param>
    public GradientSender(IActorRef link)
    {
        Receive<GradientContributed>(gradient =>
            link.Tell(new SendTensor(new GradientLabel(gradient.Step, Reduce.ReducerShards.WireStage(gradient.Stage, gradient.Shard), gradient.Rank).ToTransfer(), gradient.Gradient, ReplyTo: null)));
    }
}

/// <summary>
/// A reducer's subscriber standing for every worker of one other node: each publication crosses to
/// that node once, parameters then momentum (empty without look-ahead) in one tensor, and the
/// node's inbox hands it to each of its workers. With two workers per member this halves
/// publication traffic against one copy per worker.
/// </summary>
public sealed class PublicationSender : ReceiveActor
{
    /// <param name="link">This node's parameters link to the other node.</param>
    public PublicationSender(IActorRef link)
    {
        Receive<ParametersPublished>(published => link.Tell(new SendTensor(
            new PublicationLabel(published.Version, Reduce.ReducerShards.WireStage(published.Stage, published.Shard)).ToTransfer(), Joined(published), ReplyTo: null)));
    }

    /// <summary>
    /// Parameters then momentum in one tensor, as the inbox splits them. Without momentum that is the
    /// parameters array itself: a publication's arrays are never written after it is made, and the
    /// copy cost a page-faulting 900 KB allocation per version and peer for `cnn`.
    /// </summary>
    public static float[] Joined(ParametersPublished published)
    {
        ArgumentNullException.ThrowIfNull(published);
        if (published.Momentum.Length == 0)
        {
            return published.Parameters;
        }

        var both = new float[published.Parameters.Length + published.Momentum.Length];
        published.Parameters.CopyTo(both, 0);
        published.Momentum.CopyTo(both, published.Parameters.Length);
        return both;
    }
}

/// <summary>
/// ZeRO: what stands for rank <c>to</c> on another node, for the copies of a stage's parameters that
/// reach that rank only (a baton from a local worker, or the owner's copy for its first reader): each
/// crosses this node's parameters link labelled with its reader and its carrier, and the other node's
/// inbox hands it to that worker alone.
/// </summary>
public sealed class BatonSender : ReceiveActor
{
    public BatonSender(IActorRef link, int to)
    {
        Receive<ParametersPublished>(published =>
            link.Tell(new SendTensor(new PublicationLabel(published.Version, published.Stage, to, published.Carrier).ToTransfer(), PublicationSender.Joined(published), ReplyTo: null)));
    }
}

/// <summary>
/// The model placement: what stands for the stage devices on another member, for this member's
/// devices' activations and output gradients, each one labelled tensor on this node's gradient link there.
/// </summary>
public sealed class StageTensorSender : ReceiveActor
{
    public StageTensorSender(IActorRef link)
    {
        Receive<ActivationPassed>(activation =>
            link.Tell(new SendTensor(new StageTensorLabel(activation.Step, activation.Rank, activation.Stage, Forward: true).ToTransfer(), activation.Values, ReplyTo: null)));
        Receive<OutputGradientPassed>(gradient =>
            link.Tell(new SendTensor(new StageTensorLabel(gradient.Step, gradient.Rank, gradient.Stage, Forward: false).ToTransfer(), gradient.Values, ReplyTo: null)));
    }
}
