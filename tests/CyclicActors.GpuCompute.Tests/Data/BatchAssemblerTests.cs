using CyclicActors.GpuCompute.Data;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Data;

public sealed class BatchAssemblerTests
{
    private static readonly Dataset Data = SyntheticDataset.Create(new Shape3(2, 3, 3), classes: 4, count: 20, seed: 1);

    [Fact]
    public void Copies_pixels_one_hot_and_byte_labels()
    {
        int[] indices = [7, 0, 19];
        var pixels = new float[3 * 18];
        var oneHot = Enumerable.Repeat(0.5f, 3 * 4).ToArray(); // stale content must be overwritten
        var labels = new byte[3];

        BatchAssembler.Assemble(Data, indices, pixels, oneHot, labels);

        for (var b = 0; b < 3; b++)
        {
            Assert.Equal(Data.Sample(indices[b]).ToArray(), pixels.AsSpan(b * 18, 18).ToArray());
            Assert.Equal(Data.Label(indices[b]), labels[b]);
            for (var c = 0; c < 4; c++)
            {
                Assert.Equal(c == labels[b] ? 1f : 0f, oneHot[(b * 4) + c]);
            }
        }
    }

    [Fact]
    public void Optional_label_outputs_may_be_empty()
    {
        var pixels = new float[18];
        BatchAssembler.Assemble(Data, [3], pixels, [], []);
        Assert.Equal(Data.Sample(3).ToArray(), pixels);
    }

    [Fact]
    public void Wrong_sizes_and_indices_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => BatchAssembler.Assemble(Data, [1, 2], new float[18], [], []));
        Assert.Throws<ArgumentException>(() => BatchAssembler.Assemble(Data, [1], new float[18], new float[3], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchAssembler.Assemble(Data, [20], new float[18], [], []));
    }
}
