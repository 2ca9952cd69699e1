namespace CyclicActors.GpuCompute;

/// <summary>
/// A small seeded generator (SplitMix64, Steele, Lea and Flood 2014) whose output is fixed by this
/// file alone. <see cref="System.Random"/> is not used because its seeded sequence is an
/// implementation detail that may change between .NET versions; data order and weight
/// initialisation must be identical on every member of a cluster and across a resume.
/// Not thread-safe: give each consumer its own instance (see <see cref="Derive"/>).
/// </summary>
public sealed class DeterministicRandom
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;

    private ulong _state;

    public DeterministicRandom(ulong seed)
    {
        _state = seed;
    }

    /// <summary>
    /// An independent stream for (seed, stream), e.g. one per epoch or per layer, so that consumers
    /// never share a generator and adding one consumer does not shift another's numbers.
    /// </summary>
    public static DeterministicRandom Derive(ulong seed, ulong stream) =>
        new(Mix(seed ^ Mix(stream + GoldenGamma)));

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        _state += GoldenGamma;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 24 bits of precision: every value is an exact float.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform in [0, 1) with 53 bits of precision.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Uniform in [0, <paramref name="exclusiveBound"/>) without modulo bias (Lemire's
    /// multiply-and-reject method: rejects the few raw values that would over-represent low results).
    /// </summary>
    public int NextInt(int exclusiveBound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveBound);
        var bound = (ulong)exclusiveBound;
        var high = Math.BigMul(NextUInt64(), bound, out var low);
        if (low < bound)
        {
            var threshold = (0UL - bound) % bound;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), bound, out low);
            }
        }

        return (int)high;
    }

    /// <summary>
    /// Uniform in [<paramref name="low"/>, <paramref name="high"/>). The product is rounded to float;
    /// the rare result that rounds up to <paramref name="high"/> is replaced by the float just below it
    /// so the bound stays exclusive.
    /// </summary>
    public float Uniform(float low, float high)
    {
        if (!(low < high) || !float.IsFinite(low) || !float.IsFinite(high))
        {
            throw new ArgumentException($"Uniform needs finite low < high, got [{low}, {high}).");
        }

        var value = (float)(low + ((double)high - low) * NextDouble());
        return value < high ? value : MathF.BitDecrement(high);
    }

    /// <summary>Fisher–Yates shuffle in place, drawing with <see cref="NextInt"/>.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>The SplitMix64 output function (a variant of MurmurHash3's 64-bit finaliser).</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
