using CyclicActors.GpuCompute.Data;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Data;

public sealed class SyntheticDatasetTests
{
    [Fact]
    public void Is_deterministic_for_a_seed()
    {
        var shape = new Shape3(3, 32, 32);
        var a = SyntheticDataset.Create(shape, 10, 64, seed: 5);
        var b = SyntheticDataset.Create(shape, 10, 64, seed: 5);
        var c = SyntheticDataset.Create(shape, 10, 64, seed: 6);

        Assert.Equal(64, a.Count);
        Assert.Equal(shape, a.SampleShape);
        Assert.True(a.Pixels.SequenceEqual(b.Pixels));
        Assert.True(a.Labels.SequenceEqual(b.Labels));
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.False(a.Pixels.SequenceEqual(c.Pixels));
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
    }

    [Fact]
    public void Samples_of_a_class_share_its_prototype()
    {
        var data = SyntheticDataset.Create(new Shape3(1, 16, 16), classes: 2, count: 400, seed: 3);
        Assert.All(data.Labels.ToArray(), l => Assert.InRange(l, (byte)0, (byte)1));

        // Same-class samples correlate (shared prototype); different-class samples do not.
        var firstOfClass = new int[2];
        for (var c = 0; c < 2; c++)
        {
            firstOfClass[c] = data.Labels.IndexOf((byte)c);
        }

        var sameClass = Enumerable.Range(0, data.Count).First(i => i != firstOfClass[0] && data.Label(i) == 0);
        Assert.True(Dot(data.Sample(firstOfClass[0]), data.Sample(sameClass)) > Dot(data.Sample(firstOfClass[0]), data.Sample(firstOfClass[1])));
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
