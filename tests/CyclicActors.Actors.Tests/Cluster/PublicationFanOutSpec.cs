using Akka.Actor;
using Akka.TestKit;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Tests.Runtime;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>A publication crosses to a peer node once and reaches every worker there.</summary>
public sealed class PublicationFanOutSpec(ITestOutputHelper output) : ActorSpec(output)
{
    [Fact]
    public void The_ledger_sends_each_stage_version_once_and_never_an_older_one()
    {
        var ledger = new PublicationLedger();
        Assert.True(ledger.ShouldSend(0, 0));
        Assert.False(ledger.ShouldSend(0, 0));
        Assert.True(ledger.ShouldSend(1, 0));
        Assert.True(ledger.ShouldSend(0, 2));
        Assert.False(ledger.ShouldSend(0, 1));
        Assert.False(ledger.ShouldSend(0, 2));
        Assert.True(ledger.ShouldSend(0, 3));
    }

    [Fact]
    public void The_forwarder_sends_a_publication_addressed_to_two_remote_workers_once()
    {
        var link = CreateTestProbe();
        var forwarder = Sys.ActorOf(Props.Create(() => new PublicationForwarder(link.Ref)));
        var published = new ParametersPublished(1, 5, [1f, 2f, 3f], [0.5f, 0.25f, 0f]);

        forwarder.Tell(new PublicationForRank(published, 2));
        forwarder.Tell(new PublicationForRank(published, 3));
        forwarder.Tell(new PublicationForRank(published with { Version = 6 }, 3));

        var first = link.ExpectMsg<SendTensor>();
        Assert.Equal(new TransferLabel(5, 1, 2), first.Label);
        Assert.Equal([1f, 2f, 3f, 0.5f, 0.25f, 0f], first.Tensor);
        Assert.Equal(new TransferLabel(6, 1, 3), link.ExpectMsg<SendTensor>().Label);
        link.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void The_inbox_hands_one_arrived_publication_to_every_local_worker_and_drops_strangers()
    {
        var host = Sys.ActorOf(Props.Create(() => new InboxHost(TestActor)), "host");
        var arrived = new float[] { 1f, 2f, 9f, 8f };

        host.Tell(Received(new TransferLabel(4, 0, 3), arrived));
        var got = new[] { ExpectMsg<Delivered>(), ExpectMsg<Delivered>() };
        Assert.Equal([2, 3], got.Select(g => g.Rank).Order());
        Assert.All(got, g =>
        {
            Assert.Equal((0, 4), (g.Published.Stage, g.Published.Version));
            Assert.Equal([1f, 2f], g.Published.Parameters);
            Assert.Equal([9f, 8f], g.Published.Momentum);
        });

        // A rank this node does not hold, a stage the model does not have: logged and dropped.
        host.Tell(Received(new TransferLabel(4, 0, 0), arrived));
        host.Tell(Received(new TransferLabel(4, 7, 2), arrived));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    private static TensorReceived Received(TransferLabel label, float[] values)
    {
        var pool = System.Buffers.ArrayPool<float>.Shared;
        var pooled = new PooledTensor(pool.Rent(values.Length), values.Length, pool);
        values.CopyTo(pooled.Span);
        return new TensorReceived(label, pooled, ActorRefs.Nobody);
    }

    /// <summary>An inbox for a node holding ranks 2 and 3 of a 2-stage model, with recording workers beside it.</summary>
    private sealed class InboxHost : ReceiveActor
    {
        public InboxHost(IActorRef report)
        {
            foreach (var rank in new[] { 2, 3 })
            {
                var worker = rank;
                Context.ActorOf(Props.Create(() => new RecordingWorker(worker, report)), ActorNames.Worker(rank));
            }

            var inbox = Context.ActorOf(Props.Create(() => new TensorInbox(TensorKind.Parameters, new long[] { 2, 3 }, new[] { 2, 3 })), "inbox");
            ReceiveAny(message => inbox.Forward(message));
        }
    }

    private sealed record Delivered(int Rank, ParametersPublished Published) : INoSerializationVerificationNeeded;

    private sealed class RecordingWorker : ReceiveActor
    {
        public RecordingWorker(int rank, IActorRef report) => Receive<ParametersPublished>(published => report.Tell(new Delivered(rank, published)));
    }
}
