using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>Messages that drive a worker's compute (coordinator to worker).</summary>
public interface IComputeMessage : ICyclicMessage;

/// <summary>
/// The samples rank <paramref name="Rank"/> trains on at global step <paramref name="Step"/>:
/// indices into the data set every worker of the process shares (the coordinator owns the order).
/// </summary>
[MessagePackObject]
public sealed record MicroBatchAssigned(
    [property: Key(0)] int Step,
    [property: Key(1)] int Rank,
    [property: Key(2)] int[] SampleIndices) : IComputeMessage;
