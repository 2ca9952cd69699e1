using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        if (IsValidStrideOne(s))
        {
            UnfoldValid(image, columns, s);
            return;
        }

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
        if (IsValidStrideOne(s))
        {
            // Writes every pixel, no clearing pass.
            FoldValid(columns, image, s);
            return;
        }

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
                AddRun(line[first..end], target.Slice(iw, end - first));
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

    /// <summary>Stride 1 without padding (the cnn's convolutions): every column-matrix line is a run of an image row.</summary>
    private static bool IsValidStrideOne(in Conv2dShape s) => s.Stride == 1 && s.Padding == 0 && GemmTranspose.IsSupported;

    /// <summary>
    /// Unfold for stride 1, no padding, with pointers and masked AVX-512 moves: line oh of row
    /// (c, kh, kw) is image[c, oh + kh, kw .. kw + OW). A Span copy per line (11 floats in the
    /// cnn's second convolution, 3 168 lines a sample) cost more than the GEMM it feeds.
    /// </summary>
    private static unsafe void UnfoldValid(ReadOnlySpan<float> image, Span<float> columns, in Conv2dShape s)
    {
        int outH = s.OutHeight, outW = s.OutWidth, width = s.Width, channelSize = s.Height * s.Width;
        int full = (outW - 1) / 16 * 16;
        Vector512<float> tail = GemmTranspose.FirstLanes(outW - full);
        if (image.Length < s.InChannels * channelSize || columns.Length < s.InChannels * s.KernelH * s.KernelW * outH * outW)
        {
            throw new ArgumentException("Im2Col.Unfold: image or column buffer too small.");
        }

        fixed (float* input = image, output = columns)
        {
            float* target = output;
            for (int c = 0; c < s.InChannels; c++)
            {
                for (int kh = 0; kh < s.KernelH; kh++)
                {
                    for (int kw = 0; kw < s.KernelW; kw++)
                    {
                        float* source = input + (c * channelSize) + (kh * width) + kw;
                        for (int oh = 0; oh < outH; oh++, source += width, target += outW)
                        {
                            for (int j = 0; j < full; j += 16)
                            {
                                Vector512.Load(source + j).Store(target + j);
                            }

                            Avx512F.MaskStore(target + full, tail, Avx512F.MaskLoad(source + full, tail, Vector512<float>.Zero));
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Fold for stride 1, no padding: each image row is summed in registers over its (kh, kw) taps
    /// in the order <see cref="FoldRow"/> adds them (kh, then kw), starting from +0 like the cleared
    /// image, and stored once. Adding line after overlapping line in memory stalled on store
    /// forwarding. A tap's line is loaded shifted by kw with the lanes outside it masked to +0, and
    /// adding +0 changes nothing (no sum starting from +0 is ever −0), so the result is bitwise FoldRow's.
    /// </summary>
    private static unsafe void FoldValid(ReadOnlySpan<float> columns, Span<float> image, in Conv2dShape s)
    {
        int outH = s.OutHeight, outW = s.OutWidth, width = s.Width, height = s.Height, plane = outH * outW;
        int kernelH = s.KernelH, kernelW = s.KernelW;
        if (image.Length < s.InChannels * height * width || columns.Length < s.InChannels * kernelH * kernelW * plane)
        {
            throw new ArgumentException("Im2Col.Fold: image or column buffer too small.");
        }

        Vector512<int> lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        fixed (float* output = image, input = columns)
        {
            for (int c = 0; c < s.InChannels; c++)
            {
                float* channelColumns = input + ((long)c * kernelH * kernelW * plane);
                for (int ih = 0; ih < height; ih++)
                {
                    float* target = output + ((long)((c * height) + ih) * width);
                    for (int j = 0; j < width; j += 16)
                    {
                        Vector512<float> sum = Vector512<float>.Zero;
                        for (int kh = Math.Max(0, ih - outH + 1); kh <= Math.Min(kernelH - 1, ih); kh++)
                        {
                            // Line oh = ih − kh of row (c, kh, kw) adds to image columns kw .. kw + OW.
                            float* line = channelColumns + ((long)kh * kernelW * plane) + ((ih - kh) * outW);
                            for (int kw = 0; kw < kernelW; kw++, line += plane)
                            {
                                Vector512<int> ow = lanes + Vector512.Create(j - kw);
                                Vector512<float> valid = (Vector512.GreaterThanOrEqual(ow, Vector512<int>.Zero) & Vector512.LessThan(ow, Vector512.Create(outW))).AsSingle();
                                sum += Avx512F.MaskLoad(line + (j - kw), valid, Vector512<float>.Zero);
                            }
                        }

                        Avx512F.MaskStore(target + j, GemmTranspose.FirstLanes(width - j), sum);
                    }
                }
            }
        }
    }

    /// <summary>target ← target + source, elementwise (so bitwise what TensorPrimitives.Add gives), for a short run.</summary>
    private static unsafe void AddRun(ReadOnlySpan<float> source, Span<float> target)
    {
        if (!GemmTranspose.IsSupported)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(target, source, target);
            return;
        }

        fixed (float* from = source, to = target)
        {
            for (int i = 0; i < source.Length; i += 16)
            {
                Vector512<float> mask = GemmTranspose.FirstLanes(source.Length - i);
                Avx512F.MaskStore(to + i, mask, Avx512F.MaskLoad(to + i, mask, Vector512<float>.Zero) + Avx512F.MaskLoad(from + i, mask, Vector512<float>.Zero));
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
