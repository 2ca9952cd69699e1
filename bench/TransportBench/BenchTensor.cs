using System.Runtime.InteropServices;

namespace CyclicActors.Bench.Transport;

/// <summary>The payload both processes generate from the same seed, so the receiver can verify every bit.</summary>
internal static class BenchTensor
{
    public static float[] Create(int elements)
    {
        var values = new float[elements];
        new Random(20261127).NextBytes(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public static bool Matches(float[] expected, ReadOnlySpan<float> actual) =>
        MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual));
}
