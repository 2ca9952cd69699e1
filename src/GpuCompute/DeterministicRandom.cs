namespace CyclicActors.GpuCompute;

/// <summary>
/// SplitMix64: a tiny, fast generator whose output is fixed by its seed on every platform and
/// .NET version (System.Random's seeded sequence is an implementation detail).
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 random bits, so every value is exactly representable.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform integer in [0, n) without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ulong range = (ulong)n;
        ulong product = (ulong)(uint)NextUInt64() * range;
        uint low = (uint)product;
        if (low < range)
        {
            uint threshold = (uint)((0x1_0000_0000UL - range) % range);
            while (low < threshold)
            {
                product = (ulong)(uint)NextUInt64() * range;
                low = (uint)product;
            }
        }

        return (int)(product >> 32);
    }

    public float Uniform(float low, float high) => low + ((high - low) * NextFloat());
}
