using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// What a worker sends a stage's gradients to when the stage's reducer is sharded: cuts each
/// contribution into its shards' slices (<see cref="ReducerShards.Range"/>) and passes each to its
/// shard, a local reducer or what carries it to the shard's node. One per stage and node, local.
/// The slices are rented from the node's <see cref="GradientBuffers"/>, and the whole contribution,
/// which nothing else reads once sliced, goes back to them.
/// </summary>
public sealed class GradientSplitter : ReceiveActor
{
    public GradientSplitter(IReadOnlyList<IActorRef> shards, GradientBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(buffers);
        Receive<GradientContributed>(contribution =>
        {
            for (var shard = 0; shard < shards.Count; shard++)
            {
                var (offset, length) = ReducerShards.Range(contribution.Gradient.Length, shards.Count, shard);
                var slice = buffers.Rent(length);
                contribution.Gradient.AsSpan(offset, length).CopyTo(slice);
                shards[shard].Tell(contribution with { Gradient = slice, Shard = shard });
            }

            buffers.Return(contribution.Gradient);
        });
    }
}

/// <summary>
/// A node's subscriber to every reducer shard's publications, local and arriving from other nodes:
/// gathers each version's slices (<see cref="ShardAssembly"/>) and, once every shard's slice of it is
/// in, hands the whole version to each of the node's workers, as one reducer's publication would
/// arrive. A slice that cannot belong is logged and dropped.
/// </summary>
public sealed class PublicationAssembler : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public PublicationAssembler(IReadOnlyList<long> stageSizes, int shards, IReadOnlyList<IActorRef> workers)
    {
        var assembly = new ShardAssembly(stageSizes, shards);
        Receive<ParametersPublished>(slice => Gather(() => assembly.Accept(slice), workers));
        Receive<PublicationSliceArrived>(arrived =>
        {
            using var tensor = arrived.Tensor;
            Gather(() => assembly.AcceptAsSent(arrived.Stage, arrived.Shard, arrived.Version, tensor.Span), workers);
        });
    }

    private void Gather(Func<ParametersPublished?> accept, IReadOnlyList<IActorRef> workers)
    {
        ParametersPublished? whole;
        try
        {
            whole = accept();
        }
        catch (InvalidOperationException e)
        {
            _log.Warning("Dropped a publication slice: {0}", e.Message);
            return;
        }

        if (whole is null)
        {
            return;
        }

        foreach (var worker in workers)
        {
            worker.Tell(whole);
        }
    }
}

/// <summary>
/// Local, from a node's parameters inbox to its <see cref="PublicationAssembler"/>: a reducer shard's
/// slice of a version as it arrived from another node (its parameters, then its momentum), unchecked:
/// the assembler checks it, owns the pooled buffer and returns it.
/// </summary>
public sealed record PublicationSliceArrived(int Stage, int Shard, int Version, Transport.PooledTensor Tensor) : INoSerializationVerificationNeeded;
