namespace CyclicActors.Bench.Transport;

/// <summary>Timed repetitions of one scenario (warm-up excluded) and what they allocated.</summary>
internal sealed record Measurement(string Name, int Window, string Description, IReadOnlyList<double> Seconds, double PayloadMiB)
{
    public double MedianSeconds => Median(Seconds);

    public double MiBPerSecond => PayloadMiB / MedianSeconds;

    /// <summary>Bytes the sending process allocated per transfer (median), when measured.</summary>
    public long? SenderAllocatedBytes { get; init; }

    /// <summary>Bytes the receiving process allocated per transfer (median), when measured.</summary>
    public long? ReceiverAllocatedBytes { get; init; }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static long MedianLong(IReadOnlyList<long> values) => (long)Median(values.Select(value => (double)value).ToArray());
}
