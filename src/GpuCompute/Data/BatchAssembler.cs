namespace CyclicActors.GpuCompute.Data;

/// <summary>Gathers the samples of a micro-batch into caller-provided (typically pooled, pinned) buffers.</summary>
public static class BatchAssembler
{
    /// <summary>
    /// Copies samples <paramref name="indices"/> of <paramref name="dataset"/> into
    /// <paramref name="pixels"/> [B, C, H, W], their one-hot labels into <paramref name="oneHotLabels"/>
    /// [B, classes] and the class indices into <paramref name="labels"/> [B]. Each destination must have
    /// exactly the batch's length; pass an empty span to skip one-hot or byte labels.
    /// </summary>
    public static void Assemble(
        Dataset dataset, ReadOnlySpan<int> indices, Span<float> pixels, Span<float> oneHotLabels, Span<byte> labels)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var batch = indices.Length;
        var elements = dataset.SampleElements;
        var classes = dataset.ClassCount;
        RequireLength(nameof(pixels), pixels.Length, (long)batch * elements, allowEmpty: false);
        RequireLength(nameof(oneHotLabels), oneHotLabels.Length, (long)batch * classes, allowEmpty: true);
        RequireLength(nameof(labels), labels.Length, batch, allowEmpty: true);

        if (!oneHotLabels.IsEmpty)
        {
            oneHotLabels.Clear();
        }

        for (var b = 0; b < batch; b++)
        {
            var index = indices[b];
            if ((uint)index >= (uint)dataset.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Sample index at position {b} is outside [0, {dataset.Count}).");
            }

            dataset.Sample(index).CopyTo(pixels.Slice(b * elements, elements));
            var label = dataset.Label(index);
            if (!oneHotLabels.IsEmpty)
            {
                oneHotLabels[(b * classes) + label] = 1f;
            }

            if (!labels.IsEmpty)
            {
                labels[b] = label;
            }
        }
    }

    private static void RequireLength(string name, int actual, long expected, bool allowEmpty)
    {
        if (actual != expected && !(allowEmpty && actual == 0))
        {
            throw new ArgumentException($"{name} holds {actual} elements; the batch needs exactly {expected}.", name);
        }
    }
}
