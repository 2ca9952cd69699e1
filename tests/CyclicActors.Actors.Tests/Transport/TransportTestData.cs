using System.Buffers;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Tests.Transport;

/// <summary>Seeded tensors, permutations and a pool that counts rents and returns.</summary>
internal static class TransportTestData
{
    public static float[] Tensor(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            // Raw random bits (NaN payloads and denormals included) prove the bytes travel untouched.
            values[i] = BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue));
        }

        return values;
    }

    public static T[] Shuffled<T>(Random random, IEnumerable<T> items)
    {
        var array = items.ToArray();
        random.Shuffle(array);
        return array;
    }

    public static TensorChunk[] Chunks(long transferId, float[] tensor, int chunkElements, int step = 3, int stage = 1, int rank = 2) =>
        TensorChunker.Split(transferId, new TransferLabel(step, stage, rank), tensor, chunkElements * sizeof(float)).ToArray();

    public static bool BitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual));
}

/// <summary>An ArrayPool that records every rent and return, to prove buffers come back exactly once.</summary>
internal sealed class CountingPool : ArrayPool<float>
{
    private readonly HashSet<float[]> _outstanding = new(ReferenceEqualityComparer.Instance);

    public int Rents { get; private set; }

    public int Returns { get; private set; }

    public int Outstanding => _outstanding.Count;

    public override float[] Rent(int minimumLength)
    {
        Rents++;
        var array = new float[minimumLength + 3]; // larger than asked, as real pools return
        _outstanding.Add(array);
        return array;
    }

    public override void Return(float[] array, bool clearArray = false)
    {
        Returns++;
        Assert.True(_outstanding.Remove(array), "A buffer was returned twice or was never rented.");
    }
}
