using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>What the tensors arriving at an inbox are.</summary>
public enum TensorKind
{
    /// <summary>A worker's stage gradient (<see cref="GradientLabel"/>).</summary>
    Gradient,

    /// <summary>A reducer's publication for every worker of the node (<see cref="PublicationLabel"/>): parameters then momentum.</summary>
    Parameters,
}

/// <summary>
/// Turns tensors that arrived through a tensor link back into the runtime's messages and hands
/// them to the local actors they are for, so workers and reducers never know the tensor crossed the
/// network in chunks. The pooled buffer is copied once into the message's own array (the runtime
/// keeps tensors in messages) and returned. A gradient goes to its stage's reducer on this node; a
/// publication arrives once per node (see <see cref="PublicationSender"/>) and goes to every worker
/// of this node, as a reducer's publication does in one process; with reducer shards a publication's
/// slice goes, still in its pooled buffer, to the node's assembler, which checks it. A label naming a
/// stage this node does not hold, or a publication shorter than its stage, is logged and dropped.
/// </summary>
public sealed class TensorInbox : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="stageSizes">Parameters per stage (a publication holds that many, then the momentum).</param>
    /// <param name="reducers">This node's reducers by stage (for gradients).</param>
    /// <param name="workers">This node's workers by rank (for publications; a ZeRO copy goes to its rank only).</param>
    /// <param name="stageTensors">
    /// The model placement: the gradient link carries activations and output gradients between stage
    /// devices (<see cref="StageTensorLabel"/>), and <paramref name="reducers"/> are this node's devices by stage.
    /// </param>
    /// <param name="assembler">
    /// With reducer shards (<paramref name="shards"/> above 1): where each shard's slice of a version goes,
    /// to be joined for this node's workers; <paramref name="reducers"/> are then keyed by
    /// <see cref="Reduce.ReducerShards.WireStage"/> of stage and shard, as the labels carry them.
    /// </param>
    /// <param name="buffers">Where an arriving gradient's array is rented from (the node's, which its reducers give back to); none: a new one.</param>
    public TensorInbox(TensorKind kind, IReadOnlyList<long> stageSizes, IReadOnlyDictionary<int, IActorRef> reducers, IReadOnlyDictionary<int, IActorRef> workers, bool stageTensors = false,
        IActorRef? assembler = null, int shards = 1, Reduce.GradientBuffers? buffers = null)
    {
        Receive<TensorReceived>(received =>
        {
            // A publication slice for the assembler goes on in its pooled buffer: the assembler checks it,
            // copies it into the whole version and returns the buffer. Every other tensor is copied here.
            if (kind == TensorKind.Parameters && assembler is not null)
            {
                var slice = PublicationLabel.From(received.Label);
                var (stage, shard) = Reduce.ReducerShards.FromWire(slice.Stage);
                assembler.Tell(new Reduce.PublicationSliceArrived(stage, shard, slice.Version, received.Tensor));
                return;
            }

            using var tensor = received.Tensor;
            if (kind == TensorKind.Gradient && stageTensors)
            {
                var label = StageTensorLabel.From(received.Label);
                if (!reducers.TryGetValue(label.Stage, out var device))
                {
                    _log.Warning("Dropped {0} of stage {1} from rank {2}: this node runs the stage devices of stages {3}.", label.Forward ? "an activation" : "an output gradient", label.Stage, label.Rank, string.Join(",", reducers.Keys.Order()));
                    return;
                }

                device.Tell(label.Forward
                    ? new ActivationPassed(label.Step, label.Rank, label.Stage, tensor.ToArray())
                    : new OutputGradientPassed(label.Step, label.Rank, label.Stage, tensor.ToArray()));
                return;
            }

            if (kind == TensorKind.Gradient)
            {
                var label = GradientLabel.From(received.Label);
                var (stage, shard) = Reduce.ReducerShards.FromWire(label.Stage);
                if (!reducers.TryGetValue(label.Stage, out var reducer))
                {
                    _log.Warning("Dropped a gradient of stage {0} (shard {1}) from rank {2}: this node holds the reducers {3} (stage + 65536 × shard).",
                        stage, shard, label.Rank, string.Join(",", reducers.Keys.Order()));
                    return;
                }

                var gradient = buffers?.Rent(tensor.Length) ?? new float[tensor.Length];
                tensor.Span.CopyTo(gradient);
                reducer.Tell(new GradientContributed(stage, label.Step, label.Rank, gradient) { Shard = shard });
                return;
            }

            var publication = PublicationLabel.From(received.Label);
            var (publishedStage, publishedShard) = Reduce.ReducerShards.FromWire(publication.Stage);
            if (publishedStage < 0 || publishedStage >= stageSizes.Count || publishedShard >= shards
                || tensor.Length < Reduce.ReducerShards.Range((int)stageSizes[publishedStage], shards, publishedShard).Length)
            {
                _log.Warning("Dropped a publication of stage {0} (shard {1}) with {2} values: the model has {3} stages, the run {4} reducer shards per stage.",
                    publishedStage, publishedShard, tensor.Length, stageSizes.Count, shards);
                return;
            }

            var size = Reduce.ReducerShards.Range((int)stageSizes[publishedStage], shards, publishedShard).Length;
            var published = new ParametersPublished(publishedStage, publication.Version, tensor.Span[..size].ToArray(), tensor.Span[size..].ToArray())
                { Carrier = publication.Carrier, Shard = publishedShard };

            if (publication.To is { } to)
            {
                if (!workers.TryGetValue(to, out var reader))
                {
                    _log.Warning("Dropped version {0} of stage {1} for rank {2}: this node runs ranks {3}.", publication.Version, publication.Stage, to, string.Join(",", workers.Keys.Order()));
                    return;
                }

                reader.Tell(published);
                return;
            }

            foreach (var worker in workers.Values)
            {
                worker.Tell(published);
            }
        });
    }

    public static string Name(TensorKind kind) => kind == TensorKind.Gradient ? "gradients-in" : "parameters-in";
}
