using Akka.Actor;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>Local: a publication that reached the relay of remote worker <paramref name="Rank"/>.</summary>
public sealed record PublicationForRank(ParametersPublished Published, int Rank) : INoSerializationVerificationNeeded;

/// <summary>
/// Sends each publication once to a peer node, however many of that node's workers it was
/// addressed to (<see cref="PublicationLedger"/>); the peer's inbox hands it to all its workers.
/// With two workers per member this halves publication traffic, and look-ahead's momentum (which
/// doubles a publication) costs one copy per node instead of one per worker.
/// </summary>
public sealed class PublicationForwarder : ReceiveActor
{
    private readonly PublicationLedger _ledger = new();

    /// <param name="link">This node's parameters link to the peer.</param>
    public PublicationForwarder(IActorRef link)
    {
        Receive<PublicationForRank>(forRank =>
        {
            var published = forRank.Published;
            if (!_ledger.ShouldSend(published.Stage, published.Version))
            {
                return;
            }

            // One transfer per publication: parameters, then momentum (empty without look-ahead).
            var both = new float[published.Parameters.Length + published.Momentum.Length];
            published.Parameters.CopyTo(both, 0);
            published.Momentum.CopyTo(both, published.Parameters.Length);
            link.Tell(new SendTensor(new TransferLabel(published.Version, published.Stage, forRank.Rank), both, ReplyTo: null));
        });
    }

    public static string Name(int node) => $"publish-{node}";
}
