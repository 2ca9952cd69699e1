using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>Messages between workers and stage reducers.</summary>
public interface IReduceMessage : ICyclicMessage;

/// <summary>
/// Worker <paramref name="Rank"/>'s gradient of stage <paramref name="Stage"/> (0-based) for its
/// micro-batch of <paramref name="Step"/> (host copy, float32).
/// </summary>
[MessagePackObject]
public sealed record GradientContributed(
    [property: Key(0)] int Stage,
    [property: Key(1)] int Step,
    [property: Key(2)] int Rank,
    [property: Key(3)] float[] Gradient) : IReduceMessage
{
    /// <summary>With reducer shards: which shard of the stage this slice of the gradient is for (0 otherwise).</summary>
    [Key(4)]
    public int Shard { get; init; }
}

/// <summary>
/// A reducer's new master parameters θ_Version of stage <paramref name="Stage"/> (0-based).
/// <paramref name="Momentum"/> is the stage's momentum buffer at the moment θ_Version was made
/// (v_{Version−1}; zeros for version 0) when look-ahead compensation is on, else empty: a worker
/// rebuilds the look-ahead point from it with the backend's own SGD step (see
/// <see cref="Compensation.LookaheadPoint"/>).
/// </summary>
[MessagePackObject]
public sealed record ParametersPublished(
    [property: Key(0)] int Stage,
    [property: Key(1)] int Version,
    [property: Key(2)] float[] Parameters,
    [property: Key(3)] float[] Momentum) : IReduceMessage
{
    /// <summary>The rank that passed this copy on as a baton (ZeRO placement); −1 when it comes from the stage's owner.</summary>
    [Key(4)]
    public int Carrier { get; init; } = -1;

    /// <summary>With reducer shards: the shard whose slice of the stage this is (parameters and momentum of its range only); 0 otherwise.</summary>
    [Key(5)]
    public int Shard { get; init; }

    /// <summary>The bytes this copy carries (parameters and momentum, float32).</summary>
    [IgnoreMember]
    public long Bytes => ((long)Parameters.Length + Momentum.Length) * sizeof(float);
}
