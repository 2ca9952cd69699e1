using Akka.Actor;

namespace CyclicActors.Actors.Transport.Link;

/// <summary>
/// Local request to a <see cref="TensorLinkSender"/>: move <paramref name="Tensor"/> to the peer.
/// The array is sent without a copy, so the caller must not change it until
/// <see cref="TensorSent"/> comes back to <paramref name="ReplyTo"/>.
/// </summary>
public sealed record SendTensor(TransferLabel Label, float[] Tensor, IActorRef? ReplyTo) : INoSerializationVerificationNeeded;

/// <summary>Every chunk of the transfer was acknowledged by the peer; the tensor array is free again.</summary>
public sealed record TensorSent(TransferLabel Label, long TransferId) : INoSerializationVerificationNeeded;

/// <summary>
/// Local delivery of a tensor that arrived complete from <paramref name="From"/> (the sending link
/// actor). The recipient owns <paramref name="Tensor"/> and must dispose it to return its buffer.
/// </summary>
public sealed record TensorReceived(TransferLabel Label, PooledTensor Tensor, IActorRef From) : INoSerializationVerificationNeeded;

/// <summary>Local: how much the link has sent so far.</summary>
public sealed record LinkStatisticsRequested : INoSerializationVerificationNeeded
{
    public static readonly LinkStatisticsRequested Instance = new();
}

/// <summary>Payload bytes and chunks a link has sent.</summary>
public sealed record LinkStatistics(long PayloadBytes, long Chunks) : INoSerializationVerificationNeeded;
