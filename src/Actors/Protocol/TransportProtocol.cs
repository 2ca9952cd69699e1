using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>Messages of the chunked tensor transport between two nodes (one link per pair).</summary>
public interface ITransportMessage : ICyclicMessage;

/// <summary>
/// One slice of a tensor in flight. A transfer (<paramref name="TransferId"/>, unique per sending
/// link) of <paramref name="TotalElements"/> float32 values is cut into <paramref name="ChunkCount"/>
/// chunks; chunk <paramref name="Sequence"/> holds the elements starting at
/// <paramref name="Offset"/>. <paramref name="Payload"/> is raw little-endian float32; after
/// deserialization it is a slice of the transport's receive buffer, not a copy.
/// </summary>
[MessagePackObject]
public sealed record TensorChunk(
    [property: Key(0)] long TransferId,
    [property: Key(1)] int Step,
    [property: Key(2)] int Stage,
    [property: Key(3)] int Rank,
    [property: Key(4)] int Sequence,
    [property: Key(5)] int ChunkCount,
    [property: Key(6)] int Offset,
    [property: Key(7)] int TotalElements,
    [property: Key(8)] ReadOnlyMemory<byte> Payload) : ITransportMessage
{
    /// <summary>Elements in <see cref="Payload"/>, rounded down (a malformed payload is caught by validation).</summary>
    [IgnoreMember]
    public int PayloadElements => Payload.Length / sizeof(float);
}

/// <summary>
/// The receiver of a link has processed <paramref name="ReceivedChunks"/> chunks from it in total
/// (cumulative, so a lost or reordered ack is repaired by the next one). Frees sender credits.
/// </summary>
[MessagePackObject]
public sealed record ChunksAcknowledged([property: Key(0)] long ReceivedChunks) : ITransportMessage;

/// <summary>
/// A node asks a peer for a dedicated tensor channel (a plain TCP connection beside Akka.Remote)
/// and says the largest chunk it will send, so the peer can size its buffer or refuse.
/// </summary>
[MessagePackObject]
public sealed record TensorChannelRequested([property: Key(0)] int MaxChunkBytes) : ITransportMessage;

/// <summary>
/// The peer listens for the channel at <paramref name="Host"/>:<paramref name="Port"/>; the
/// connecting node must present <paramref name="Token"/> first (it proves the connection comes
/// from the node that received this offer over the cluster, not from a stray client).
/// </summary>
[MessagePackObject]
public sealed record TensorChannelOffered(
    [property: Key(0)] string Host,
    [property: Key(1)] int Port,
    [property: Key(2)] long Token) : ITransportMessage;
