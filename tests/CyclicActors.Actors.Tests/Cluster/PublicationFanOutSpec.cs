using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Tests.Runtime;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>A publication crosses to a peer node once and reaches every worker there; a gradient reaches its stage's reducer.</summary>
public sealed class PublicationFanOutSpec(ITestOutputHelper output) : ActorSpec(output)
{
    [Fact]
    public void The_publication_sender_sends_each_publication_once_as_parameters_then_momentum()
    {
        var link = CreateTestProbe();
        var sender = Sys.ActorOf(Props.Create(() => new PublicationSender(link.Ref)));

        sender.Tell(new ParametersPublished(1, 5, [1f, 2f, 3f], [0.5f, 0.25f, 0f]));

        var sent = link.ExpectMsg<SendTensor>();
        Assert.Equal(new PublicationLabel(5, 1), PublicationLabel.From(sent.Label));
        Assert.Equal([1f, 2f, 3f, 0.5f, 0.25f, 0f], sent.Tensor);
        link.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Without_momentum_the_publication_crosses_as_its_own_parameters_array_not_a_copy()
    {
        // Joined is called directly: this spec's actor system copies every message through the serializer.
        float[] parameters = [1f, 2f, 3f];

        var joined = PublicationSender.Joined(new ParametersPublished(0, 2, parameters, []));

        Assert.Same(parameters, joined);
        Assert.Equal([1f, 2f, 3f, 0.5f], PublicationSender.Joined(new ParametersPublished(0, 2, parameters, [0.5f])));
        Assert.Equal([1f, 2f, 3f], parameters);
    }

    [Fact]
    public void The_gradient_sender_labels_a_contribution_with_step_stage_and_rank()
    {
        var link = CreateTestProbe();
        var sender = Sys.ActorOf(Props.Create(() => new GradientSender(link.Ref)));

        sender.Tell(new GradientContributed(2, 7, 3, [4f, 5f]));

        var sent = link.ExpectMsg<SendTensor>();
        Assert.Equal(new GradientLabel(7, 2, 3), GradientLabel.From(sent.Label));
        Assert.Equal([4f, 5f], sent.Tensor);
    }

    [Fact]
    public void The_inbox_hands_one_arrived_publication_to_every_local_worker_and_drops_strangers()
    {
        var workers = new[] { CreateTestProbe(), CreateTestProbe() };
        IReadOnlyDictionary<int, IActorRef> byRank = Enumerable.Range(0, workers.Length).ToDictionary(rank => rank, rank => workers[rank].Ref);
        var inbox = Sys.ActorOf(Props.Create(() => new TensorInbox(TensorKind.Parameters, new long[] { 2, 3 }, new Dictionary<int, IActorRef>(), byRank)));
        var arrived = new float[] { 1f, 2f, 9f, 8f };

        inbox.Tell(Received(new PublicationLabel(4, 0).ToTransfer(), arrived));
        Assert.All(workers, worker =>
        {
            var published = worker.ExpectMsg<ParametersPublished>();
            Assert.Equal((0, 4), (published.Stage, published.Version));
            Assert.Equal([1f, 2f], published.Parameters);
            Assert.Equal([9f, 8f], published.Momentum);
        });

        // A stage the model does not have, a publication shorter than its stage: logged and dropped.
        inbox.Tell(Received(new PublicationLabel(4, 7).ToTransfer(), arrived));
        inbox.Tell(Received(new PublicationLabel(4, 1).ToTransfer(), [1f, 2f]));
        Assert.All(workers, worker => worker.ExpectNoMsg(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public void Under_zero_a_baton_crosses_labelled_with_its_reader_and_carrier_and_reaches_that_worker_only()
    {
        var link = CreateTestProbe();
        var sender = Sys.ActorOf(Props.Create(() => new BatonSender(link.Ref, 5)));
        sender.Tell(new ParametersPublished(1, 3, [1f, 2f, 3f], [4f, 5f, 6f]) { Carrier = 4 });
        var sent = link.ExpectMsg<SendTensor>();
        Assert.Equal(new PublicationLabel(3, 1, 5, 4), PublicationLabel.From(sent.Label));
        Assert.Equal(new PublicationLabel(3, 1, 0, -1), PublicationLabel.From(new PublicationLabel(3, 1, 0).ToTransfer()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PublicationLabel(3, 1, PublicationLabel.MaxRanks).ToTransfer());

        var workers = new Dictionary<int, Akka.TestKit.TestProbe> { [4] = CreateTestProbe(), [5] = CreateTestProbe() };
        IReadOnlyDictionary<int, IActorRef> byRank = workers.ToDictionary(pair => pair.Key, pair => pair.Value.Ref);
        var inbox = Sys.ActorOf(Props.Create(() => new TensorInbox(TensorKind.Parameters, new long[] { 2, 3 }, new Dictionary<int, IActorRef>(), byRank)));
        inbox.Tell(Received(sent.Label, sent.Tensor));
        var published = workers[5].ExpectMsg<ParametersPublished>();
        Assert.Equal((1, 3, 4), (published.Stage, published.Version, published.Carrier));
        Assert.Equal([1f, 2f, 3f], published.Parameters);
        workers[4].ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // A baton for a rank this node does not run: logged and dropped.
        inbox.Tell(Received(new PublicationLabel(3, 1, 7, 4).ToTransfer(), [1f, 2f, 3f]));
        Assert.All(workers.Values, worker => worker.ExpectNoMsg(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void The_inbox_hands_a_gradient_to_its_stages_reducer_and_drops_one_for_a_stage_held_elsewhere()
    {
        var reducer = CreateTestProbe();
        IReadOnlyDictionary<int, IActorRef> reducers = new Dictionary<int, IActorRef> { [1] = reducer.Ref };
        var inbox = Sys.ActorOf(Props.Create(() => new TensorInbox(TensorKind.Gradient, new long[] { 2, 3 }, reducers, new Dictionary<int, IActorRef>())));

        inbox.Tell(Received(new GradientLabel(6, 1, 2).ToTransfer(), [1f, 2f, 3f]));
        var contribution = reducer.ExpectMsg<GradientContributed>();
        Assert.Equal((1, 6, 2), (contribution.Stage, contribution.Step, contribution.Rank));
        Assert.Equal([1f, 2f, 3f], contribution.Gradient);

        inbox.Tell(Received(new GradientLabel(6, 0, 2).ToTransfer(), [1f, 2f]));
        reducer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    private static TensorReceived Received(TransferLabel label, float[] values)
    {
        var pool = System.Buffers.ArrayPool<float>.Shared;
        var pooled = new PooledTensor(pool.Rent(values.Length), values.Length, pool);
        values.CopyTo(pooled.Span);
        return new TensorReceived(label, pooled, ActorRefs.Nobody);
    }
}
