namespace CyclicActors.GpuCompute.Data;

/// <summary>
/// The deterministic order in which samples are consumed (pure: a function of its arguments only).
/// Epoch e uses a seeded permutation of [0, DatasetSize) drawn by Fisher–Yates with
/// <see cref="DeterministicRandom.Derive"/>(seed, e). Global batch k of an epoch is the slice
/// [k·N·B, (k+1)·N·B) of that permutation, and rank i takes its i-th micro-batch of B samples.
/// The last DatasetSize mod (N·B) samples of each permutation are dropped so every step has N full
/// micro-batches; a different permutation each epoch means different samples are dropped.
/// </summary>
public sealed class DataOrder
{
    private readonly ulong _seed;

    /// <summary>
    /// The last permutation computed. A reference is published atomically, so concurrent readers see the
    /// old or the new pair, never a torn one; permutations are never mutated, so handing out spans is safe.
    /// </summary>
    private CachedPermutation? _cached;

    public DataOrder(ulong seed, int datasetSize, int microBatch, int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(datasetSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var globalBatch = (long)microBatch * workers;
        if (globalBatch > datasetSize)
        {
            throw new ArgumentException(
                $"A global batch of {workers} workers x {microBatch} samples = {globalBatch} exceeds the {datasetSize} samples of the data set.");
        }

        _seed = seed;
        DatasetSize = datasetSize;
        MicroBatch = microBatch;
        Workers = workers;
        GlobalBatch = (int)globalBatch;
        StepsPerEpoch = datasetSize / GlobalBatch;
    }

    public ulong Seed => _seed;

    public int DatasetSize { get; }

    /// <summary>B: samples per worker per step.</summary>
    public int MicroBatch { get; }

    /// <summary>N: workers (= micro-batches per step).</summary>
    public int Workers { get; }

    /// <summary>N·B.</summary>
    public int GlobalBatch { get; }

    /// <summary>floor(DatasetSize / (N·B)).</summary>
    public int StepsPerEpoch { get; }

    /// <summary>The position of global step <paramref name="globalStep"/> counted from the start of training.</summary>
    public DataPosition PositionOf(long globalStep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(globalStep);
        return new DataPosition(checked((int)(globalStep / StepsPerEpoch)), (int)(globalStep % StepsPerEpoch));
    }

    /// <summary>The global step count at <paramref name="position"/> (inverse of <see cref="PositionOf"/>).</summary>
    public long GlobalStepOf(DataPosition position)
    {
        ValidatePosition(position.Epoch, position.StepInEpoch);
        return ((long)position.Epoch * StepsPerEpoch) + position.StepInEpoch;
    }

    /// <summary>The position after <paramref name="position"/>, rolling over to the next epoch.</summary>
    public DataPosition Next(DataPosition position)
    {
        ValidatePosition(position.Epoch, position.StepInEpoch);
        return position.StepInEpoch + 1 < StepsPerEpoch
            ? position with { StepInEpoch = position.StepInEpoch + 1 }
            : new DataPosition(checked(position.Epoch + 1), 0);
    }

    /// <summary>The full permutation of epoch <paramref name="epoch"/> (including the dropped tail).</summary>
    public ReadOnlySpan<int> Permutation(int epoch) => PermutationArray(epoch);

    /// <summary>The B sample indices that rank <paramref name="rank"/> trains on at (epoch, step-in-epoch).</summary>
    public ReadOnlySpan<int> SampleIndices(int epoch, int stepInEpoch, int rank)
    {
        ValidatePosition(epoch, stepInEpoch);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, Workers);
        var start = (stepInEpoch * GlobalBatch) + (rank * MicroBatch);
        return PermutationArray(epoch).AsSpan(start, MicroBatch);
    }

    /// <summary>As <see cref="SampleIndices(int, int, int)"/> at <paramref name="position"/>.</summary>
    public ReadOnlySpan<int> SampleIndices(DataPosition position, int rank) =>
        SampleIndices(position.Epoch, position.StepInEpoch, rank);

    private int[] PermutationArray(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var cached = _cached;
        if (cached is not null && cached.Epoch == epoch)
        {
            return cached.Permutation;
        }

        var permutation = new int[DatasetSize];
        for (var i = 0; i < permutation.Length; i++)
        {
            permutation[i] = i;
        }

        DeterministicRandom.Derive(_seed, (ulong)epoch).Shuffle(permutation.AsSpan());
        _cached = new CachedPermutation(epoch, permutation);
        return permutation;
    }

    private void ValidatePosition(int epoch, int stepInEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(stepInEpoch);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stepInEpoch, StepsPerEpoch);
    }

    private sealed record CachedPermutation(int Epoch, int[] Permutation);
}
