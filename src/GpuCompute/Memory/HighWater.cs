namespace CyclicActors.GpuCompute.Memory;

/// <summary>A lock-free high-water mark: the ledgers' and the pools' peaks, raised from many threads.</summary>
internal static class HighWater
{
    /// <summary>Raises <paramref name="peak"/> to <paramref name="candidate"/> unless it is already at least that.</summary>
    public static void Raise(ref long peak, long candidate)
    {
        long seen = Interlocked.Read(ref peak);
        while (candidate > seen)
        {
            long previous = Interlocked.CompareExchange(ref peak, candidate, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
