namespace CyclicActors.GpuCompute.Data;

/// <summary>
/// An immutable, fully loaded labelled image data set in host memory: N samples of shape (C, H, W)
/// stored as normalised float32 pixels in one contiguous array (sample i occupies
/// [i·C·H·W, (i+1)·C·H·W)), and one byte label per sample in [0, ClassCount).
/// </summary>
public sealed class Dataset
{
    private readonly float[] _pixels;
    private readonly byte[] _labels;

    /// <summary>Takes ownership of the arrays (no copy: CIFAR-10 training pixels are 600 MB).</summary>
    internal Dataset(string name, Shape3 sampleShape, int classCount, float[] pixels, byte[] labels, string fingerprint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        if (sampleShape.Channels <= 0 || sampleShape.Height <= 0 || sampleShape.Width <= 0)
        {
            throw new ArgumentException($"Sample shape {sampleShape} must be positive.", nameof(sampleShape));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        if ((long)labels.Length * sampleShape.Elements != pixels.Length)
        {
            throw new ArgumentException(
                $"{labels.Length} labels need {(long)labels.Length * sampleShape.Elements} pixels of shape {sampleShape}, got {pixels.Length}.");
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
            {
                throw new ArgumentException($"Label {labels[i]} of sample {i} is not below the class count {classCount}.");
            }
        }

        Name = name;
        SampleShape = sampleShape;
        ClassCount = classCount;
        _pixels = pixels;
        _labels = labels;
        Fingerprint = fingerprint;
    }

    /// <summary>Builds a data set from copies of the given arrays (for callers outside the readers).</summary>
    public static Dataset FromArrays(
        string name, Shape3 sampleShape, int classCount, ReadOnlySpan<float> pixels, ReadOnlySpan<byte> labels, string fingerprint) =>
        new(name, sampleShape, classCount, pixels.ToArray(), labels.ToArray(), fingerprint);

    /// <summary>Human-readable name, e.g. "mnist-train".</summary>
    public string Name { get; }

    public Shape3 SampleShape { get; }

    public int ClassCount { get; }

    public int Count => _labels.Length;

    /// <summary>Floats per sample (C·H·W).</summary>
    public int SampleElements => SampleShape.Elements;

    /// <summary>
    /// Lower-case hex SHA-256 identifying the content: for files, of their decoded bytes (after gunzip, in
    /// a fixed file order) so a gzip and a plain copy of the same data agree. Cluster members compare it
    /// to check that they train on the same data.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>All pixels, sample after sample.</summary>
    public ReadOnlySpan<float> Pixels => _pixels;

    public ReadOnlySpan<byte> Labels => _labels;

    public ReadOnlySpan<float> Sample(int index) => _pixels.AsSpan(checked(index * SampleElements), SampleElements);

    public byte Label(int index) => _labels[index];

    public override string ToString() => $"{Name}: {Count} samples of {SampleShape}, {ClassCount} classes, sha256 {Fingerprint[..12]}…";
}
