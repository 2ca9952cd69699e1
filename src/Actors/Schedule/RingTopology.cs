namespace CyclicActors.Actors.Schedule;

/// <summary>
/// The token ring: ranks 0..N−1 in order, and the epoch that names this membership. Any change of
/// membership forms a new ring with a higher epoch, so tokens of the old ring can be recognised and
/// dropped.
/// </summary>
public sealed record RingTopology
{
    private RingTopology(int size, long epoch)
    {
        Size = size;
        Epoch = epoch;
    }

    /// <summary>N: number of ranks in the ring.</summary>
    public int Size { get; }

    public long Epoch { get; }

    public static RingTopology Create(int size, long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return new RingTopology(size, epoch);
    }

    /// <summary>A ring of a new size, one epoch later.</summary>
    public RingTopology Reformed(int size) => Create(size, Epoch + 1);

    /// <summary>The rank the token goes to after <paramref name="rank"/>; rank N − 1 wraps to 0.</summary>
    public int Next(int rank)
    {
        CheckRank(rank);
        return (rank + 1) % Size;
    }

    /// <summary>The rank the token comes from before <paramref name="rank"/>; rank 0 wraps to N − 1.</summary>
    public int Previous(int rank)
    {
        CheckRank(rank);
        return (rank + Size - 1) % Size;
    }

    private void CheckRank(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, Size);
    }
}
