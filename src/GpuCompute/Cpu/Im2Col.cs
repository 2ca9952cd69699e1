namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Unfolds one sample's [C,H,W] image into the column matrix [C·KH·KW, OH·OW] (and folds it back),
/// so a convolution becomes one GEMM per sample. Row r = (c·KH + kh)·KW + kw, column = oh·OW + ow;
/// positions in the zero padding read as 0 and are dropped when folding back.
/// </summary>
internal static class Im2Col
{
    public static void Unfold(ReadOnlySpan<float> image, Span<float> columns, in Conv2dShape s)
    {
        int outH = s.OutHeight, outW = s.OutWidth, plane = outH * outW;
        int row = 0;
        for (int c = 0; c < s.InChannels; c++)
        {
            ReadOnlySpan<float> channel = image.Slice(c * s.Height * s.Width, s.Height * s.Width);
            for (int kh = 0; kh < s.KernelH; kh++)
            {
                for (int kw = 0; kw < s.KernelW; kw++, row++)
                {
                    UnfoldRow(channel, columns.Slice(row * plane, plane), s, kh, kw, outH, outW);
                }
            }
        }
    }

    /// <summary>image ← fold(columns): zeroes the image, then adds every column entry to its pixel.</summary>
    public static void Fold(ReadOnlySpan<float> columns, Span<float> image, in Conv2dShape s)
    {
        int outH = s.OutHeight, outW = s.OutWidth, plane = outH * outW;
        image[..(s.InChannels * s.Height * s.Width)].Clear();
        int row = 0;
        for (int c = 0; c < s.InChannels; c++)
        {
            Span<float> channel = image.Slice(c * s.Height * s.Width, s.Height * s.Width);
            for (int kh = 0; kh < s.KernelH; kh++)
            {
                for (int kw = 0; kw < s.KernelW; kw++, row++)
                {
                    FoldRow(columns.Slice(row * plane, plane), channel, s, kh, kw, outH, outW);
                }
            }
        }
    }

    private static void UnfoldRow(ReadOnlySpan<float> channel, Span<float> target, in Conv2dShape s, int kh, int kw, int outH, int outW)
    {
        if (s.Stride == 1 && outW == s.Width)
        {
            UnfoldShiftedPlane(channel, target, s, kh, kw, outH);
            return;
        }

        (int first, int end) = ValidColumns(s, kw, outW);
        for (int oh = 0; oh < outH; oh++)
        {
            int ih = (oh * s.Stride) - s.Padding + kh;
            Span<float> line = target.Slice(oh * outW, outW);
            if ((uint)ih >= (uint)s.Height || first >= end)
            {
                line.Clear();
                continue;
            }

            line[..first].Clear();
            line[end..].Clear();
            ReadOnlySpan<float> source = channel.Slice(ih * s.Width, s.Width);
            int iw = (first * s.Stride) - s.Padding + kw;
            if (s.Stride == 1)
            {
                // Stride 1: the valid part of the line is one contiguous run of the image row.
                source.Slice(iw, end - first).CopyTo(line[first..end]);
            }
            else
            {
                for (int ow = first; ow < end; ow++, iw += s.Stride)
                {
                    line[ow] = source[iw];
                }
            }
        }
    }

    /// <summary>
    /// "Same" convolutions (stride 1, output as wide as the input) make a column-matrix row the
    /// channel shifted by (kh − padding, kw − padding): one contiguous copy, after which the
    /// elements that wrapped around from a neighbouring image row, and the rows that fall in
    /// the padding, are zeroed. This replaces one short copy per output row.
    /// </summary>
    private static void UnfoldShiftedPlane(ReadOnlySpan<float> channel, Span<float> target, in Conv2dShape s, int kh, int kw, int outH)
    {
        int width = s.Width, shift = kw - s.Padding;
        int firstRow = Math.Max(0, s.Padding - kh), endRow = Math.Min(outH, s.Height + s.Padding - kh);
        if (firstRow >= endRow)
        {
            target[..(outH * width)].Clear();
            return;
        }

        target[..(firstRow * width)].Clear();
        target[(endRow * width)..(outH * width)].Clear();

        // Destination [firstRow·W, endRow·W) reads source from (firstRow + kh − padding)·W + shift, clipped to the channel.
        int destinationStart = firstRow * width, destinationEnd = endRow * width;
        int offset = ((kh - s.Padding) * width) + shift;
        int copyStart = Math.Max(destinationStart, -offset), copyEnd = Math.Min(destinationEnd, channel.Length - offset);
        channel[(copyStart + offset)..(copyEnd + offset)].CopyTo(target[copyStart..copyEnd]);

        // Columns whose input column ow + shift lies outside [0, W) took a neighbouring row's pixel (or were not copied).
        int zeroFirst = shift < 0 ? 0 : width - shift, zeroCount = Math.Min(Math.Abs(shift), width);
        if (zeroCount > 0)
        {
            for (int oh = firstRow; oh < endRow; oh++)
            {
                target.Slice((oh * width) + zeroFirst, zeroCount).Clear();
            }
        }
    }

    private static void FoldRow(ReadOnlySpan<float> source, Span<float> channel, in Conv2dShape s, int kh, int kw, int outH, int outW)
    {
        (int first, int end) = ValidColumns(s, kw, outW);
        if (first >= end)
        {
            return;
        }

        for (int oh = 0; oh < outH; oh++)
        {
            int ih = (oh * s.Stride) - s.Padding + kh;
            if ((uint)ih >= (uint)s.Height)
            {
                continue;
            }

            ReadOnlySpan<float> line = source.Slice(oh * outW, outW);
            Span<float> target = channel.Slice(ih * s.Width, s.Width);
            int iw = (first * s.Stride) - s.Padding + kw;
            if (s.Stride == 1)
            {
                Span<float> run = target.Slice(iw, end - first);
                System.Numerics.Tensors.TensorPrimitives.Add(run, line[first..end], run);
            }
            else
            {
                for (int ow = first; ow < end; ow++, iw += s.Stride)
                {
                    target[iw] += line[ow];
                }
            }
        }
    }

    /// <summary>The output columns [first, end) whose input column ow·stride − padding + kw lies inside the image.</summary>
    private static (int First, int End) ValidColumns(in Conv2dShape s, int kw, int outW)
    {
        int offset = kw - s.Padding;

        // Smallest ow with ow·stride + offset ≥ 0, and one past the largest with ow·stride + offset ≤ Width − 1.
        int first = offset >= 0 ? 0 : (-offset + s.Stride - 1) / s.Stride;
        int end = s.Width - 1 - offset < 0 ? 0 : Math.Min(outW, ((s.Width - 1 - offset) / s.Stride) + 1);
        return (Math.Min(first, end), end);
    }
}
