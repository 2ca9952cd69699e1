using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuDiagnostics;

/// <summary>
/// Runs one op on a reference and a candidate backend with the same seeded inputs and compares
/// outputs. Inputs are never zero (|v| in [0.1, 1], random sign) so a kernel that ignores an input
/// cannot pass by accident; outputs are poisoned with NaN first so an unwritten element shows up.
/// </summary>
internal sealed class ParityHarness
{
    private readonly Random _random;

    public ParityHarness(IComputeBackend reference, IComputeBackend candidate, int seed)
    {
        Reference = reference;
        Candidate = candidate;
        _random = new Random(seed);
    }

    public IComputeBackend Reference { get; }

    public IComputeBackend Candidate { get; }

    /// <summary>Uniform magnitudes in [0.1, 1] with random signs.</summary>
    public float[] RandomValues(long count)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            float magnitude = 0.1f + (0.9f * _random.NextSingle());
            values[i] = _random.Next(2) == 0 ? magnitude : -magnitude;
        }

        return values;
    }

    /// <summary>
    /// Pairwise distinct, non-zero values (distinct magnitudes in [0.1, 1], alternating signs, shuffled),
    /// so max-pooling windows have no ties (Note [pooling ties]). Distinct in float up to ~10⁶ values.
    /// </summary>
    public float[] DistinctValues(long count)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            float magnitude = (float)(0.1 + (0.9 * (i + 0.5) / count));
            values[i] = i % 2 == 0 ? magnitude : -magnitude;
        }

        for (long i = count - 1; i > 0; i--)
        {
            long j = _random.NextInt64(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }

        return values;
    }

    /// <summary>One-hot rows [batch × classes] with random labels.</summary>
    public float[] OneHot(int batch, int classes)
    {
        var values = new float[batch * classes];
        for (int b = 0; b < batch; b++)
        {
            values[(b * classes) + _random.Next(classes)] = 1f;
        }

        return values;
    }

    /// <summary>The same data on both backends.</summary>
    public Pair Upload(float[] data, MemoryTag tag = MemoryTag.Activations)
    {
        var pair = new Pair(Reference.Allocate(data.Length, tag), Candidate.Allocate(data.Length, tag));
        Reference.Upload(data, pair.Reference);
        Candidate.Upload(data, pair.Candidate);
        return pair;
    }

    /// <summary>An output pair filled with NaN on both backends.</summary>
    public Pair Poisoned(long length, MemoryTag tag = MemoryTag.Activations)
    {
        var pair = new Pair(Reference.Allocate(length, tag), Candidate.Allocate(length, tag));
        Reference.Fill(pair.Reference, float.NaN);
        Candidate.Fill(pair.Candidate, float.NaN);
        return pair;
    }

    public CheckResult Compare(string op, string shape, Pair outputs, double tolerance)
    {
        var expected = new float[outputs.Reference.Length];
        var actual = new float[outputs.Candidate.Length];
        Reference.Download(outputs.Reference, expected);
        Candidate.Download(outputs.Candidate, actual);
        return ErrorMeasure.Compare(op, shape, expected, actual, tolerance);
    }

    /// <summary>The same buffer allocated on both backends; disposing returns both.</summary>
    public sealed class Pair : IDisposable
    {
        public Pair(DeviceBuffer reference, DeviceBuffer candidate)
        {
            Reference = reference;
            Candidate = candidate;
        }

        public DeviceBuffer Reference { get; }

        public DeviceBuffer Candidate { get; }

        public void Dispose()
        {
            Reference.Dispose();
            Candidate.Dispose();
        }
    }
}
