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
        for (int oh = 0; oh < outH; oh++)
        {
            int ih = (oh * s.Stride) - s.Padding + kh;
            Span<float> line = target.Slice(oh * outW, outW);
            if ((uint)ih >= (uint)s.Height)
            {
                line.Clear();
                continue;
            }

            ReadOnlySpan<float> source = channel.Slice(ih * s.Width, s.Width);
            for (int ow = 0; ow < outW; ow++)
            {
                int iw = (ow * s.Stride) - s.Padding + kw;
                line[ow] = (uint)iw < (uint)s.Width ? source[iw] : 0f;
            }
        }
    }

    private static void FoldRow(ReadOnlySpan<float> source, Span<float> channel, in Conv2dShape s, int kh, int kw, int outH, int outW)
    {
        for (int oh = 0; oh < outH; oh++)
        {
            int ih = (oh * s.Stride) - s.Padding + kh;
            if ((uint)ih >= (uint)s.Height)
            {
                continue;
            }

            ReadOnlySpan<float> line = source.Slice(oh * outW, outW);
            Span<float> target = channel.Slice(ih * s.Width, s.Width);
            for (int ow = 0; ow < outW; ow++)
            {
                int iw = (ow * s.Stride) - s.Padding + kw;
                if ((uint)iw < (uint)s.Width)
                {
                    target[iw] += line[ow];
                }
            }
        }
    }
}
