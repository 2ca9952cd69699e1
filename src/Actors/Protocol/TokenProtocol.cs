using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>Messages of the cyclic token ring (worker to worker).</summary>
public interface ITokenMessage : ICyclicMessage;

/// <summary>
/// The token for <paramref name="Step"/> of ring <paramref name="Epoch"/>, passed to the next rank
/// after the sender completed δ ops of its micro-batch.
/// </summary>
[MessagePackObject]
public sealed record TokenPassed(
    [property: Key(0)] long Epoch,
    [property: Key(1)] int Step,
    [property: Key(2)] int FromRank) : ITokenMessage;
