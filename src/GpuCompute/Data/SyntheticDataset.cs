using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CyclicActors.GpuCompute.Data;

/// <summary>
/// Deterministic random data for benchmarks (typically 3x32x32, CIFAR-sized) and smoke tests.
/// Each class has a fixed random prototype image; a sample is half its class prototype plus uniform
/// noise in [−1, 1), so a model can learn it and a falling loss shows that training works.
/// </summary>
public static class SyntheticDataset
{
    public static Dataset Create(Shape3 shape, int classes, int count, ulong seed)
    {
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0)
        {
            throw new ArgumentException($"Sample shape {shape} must be positive.", nameof(shape));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var elements = shape.Elements;
        if ((long)count * elements > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} samples of {shape} do not fit one array.");
        }

        // Separate streams: changing the sample count must not change the prototypes.
        var prototypeRandom = DeterministicRandom.Derive(seed, 0);
        var sampleRandom = DeterministicRandom.Derive(seed, 1);
        var prototypes = new float[classes * elements];
        for (var i = 0; i < prototypes.Length; i++)
        {
            prototypes[i] = prototypeRandom.Uniform(-1f, 1f);
        }

        var pixels = new float[count * elements];
        var labels = new byte[count];
        for (var s = 0; s < count; s++)
        {
            var label = sampleRandom.NextInt(classes);
            labels[s] = (byte)label;
            var prototype = prototypes.AsSpan(label * elements, elements);
            var sample = pixels.AsSpan(s * elements, elements);
            for (var i = 0; i < elements; i++)
            {
                sample[i] = (0.5f * prototype[i]) + sampleRandom.Uniform(-1f, 1f);
            }
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"synthetic-{shape}-c{classes}-n{count}-s{seed}");
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}/generator-v1")));
        return new Dataset(name, shape, classes, pixels, labels, fingerprint);
    }
}
