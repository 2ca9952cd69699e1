namespace CyclicActors.GpuCompute.Cuda;

/// <summary>One piece of a flat tensor, described to cuDNN as a packed [Rows, 1, 1, Width] tensor.</summary>
internal readonly record struct ElementwiseSegment(long Offset, int Rows, int Width)
{
    public long Count => (long)Rows * Width;
}

/// <summary>
/// Element-wise cuDNN ops (ReLU) get flat views whose NCHW shape the interface does not carry.
/// Describing a million-element vector as [n,1,1,1] or [1,1,1,n] puts a huge extent in one
/// dimension, which some cuDNN kernels map to a grid dimension limited to 65535. So a flat range is
/// cut into segments of at most 65535 rows of 1024 elements, plus a tail row: every extent stays
/// small, and big tensors need only one or two calls.
/// </summary>
internal static class ElementwiseSegments
{
    public const int Width = 1024;
    public const int MaxRows = 65535;

    public static IReadOnlyList<ElementwiseSegment> Split(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var segments = new List<ElementwiseSegment>();
        long offset = 0;
        long fullRows = count / Width;
        while (fullRows > 0)
        {
            int rows = (int)Math.Min(fullRows, MaxRows);
            segments.Add(new ElementwiseSegment(offset, rows, Width));
            offset += (long)rows * Width;
            fullRows -= rows;
        }

        int tail = (int)(count - offset);
        if (tail > 0)
        {
            segments.Add(new ElementwiseSegment(offset, 1, tail));
        }

        return segments;
    }
}
