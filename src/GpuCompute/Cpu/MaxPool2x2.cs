using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// The common 2×2, stride-2 max-pool, 16 windows at a time with AVX-512. Each window's four
/// elements are taken in row-major order with the same rule as the scalar arg-max (a larger value
/// or a NaN replaces the current one), so results and gradient routing match it bit for bit.
/// Rows are split into even and odd columns with two-source permutes; windows are disjoint, so the
/// backward pass writes dx directly instead of accumulating. A row's last partial group of windows
/// (all of it for the narrow images of small CNNs: 13 or 5 windows per row) uses masked loads and
/// stores, so nothing outside the row's windows is read or written; the backward pass zeroes the
/// input column and row no window covers (odd sizes) itself, so dx needs no clearing beforehand.
/// </summary>
internal static unsafe class MaxPool2x2
{
    /// <summary>Output columns per vector step (16 windows read 32 input columns).</summary>
    public const int Step = 16;

    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    private static readonly Vector512<int> EvenLanes = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> OddLanes = EvenLanes + Vector512<int>.One;
    private static readonly Vector512<int> InterleaveLow = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static readonly Vector512<int> InterleaveHigh = InterleaveLow + Vector512.Create(8);
    private static readonly Vector512<int> LaneIndex = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    /// <summary>y for <paramref name="planes"/> planes of height×width, each pooled to outHeight×outWidth.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int planes, int height, int width, int outHeight, int outWidth)
    {
        var tail = new TailMasks(outWidth % Step);
        int full = outWidth - (outWidth % Step);
        fixed (float* input = x, output = y)
        {
            for (int p = 0; p < planes; p++)
            {
                float* image = input + ((long)p * height * width), pooled = output + ((long)p * outHeight * outWidth);
                for (int oh = 0; oh < outHeight; oh++, pooled += outWidth)
                {
                    float* top = image + (2 * oh * width), bottom = top + width;
                    int ow = 0;
                    for (; ow < full; ow += Step)
                    {
                        Window(Load(top + (2 * ow)), Load(top + (2 * ow) + Step), Load(bottom + (2 * ow)), Load(bottom + (2 * ow) + Step), out Vector512<float> max, out _);
                        max.Store(pooled + ow);
                    }

                    if (tail.Windows != 0)
                    {
                        Window(tail.LoadLow(top + (2 * ow)), tail.LoadHigh(top + (2 * ow) + Step), tail.LoadLow(bottom + (2 * ow)), tail.LoadHigh(bottom + (2 * ow) + Step), out Vector512<float> max, out _);
                        Avx512F.MaskStore(pooled + ow, tail.Output, max);
                    }
                }
            }
        }
    }

    /// <summary>Writes all of dx: dy where each window's arg-max is, 0 elsewhere (including elements no window covers).</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int planes, int height, int width, int outHeight, int outWidth)
    {
        var tail = new TailMasks(outWidth % Step);
        int full = outWidth - (outWidth % Step);
        fixed (float* input = x, gradient = dy, target = dx)
        {
            for (int p = 0; p < planes; p++)
            {
                long inOffset = (long)p * height * width;
                float* image = input + inOffset, imageGradient = target + inOffset, pooledGradient = gradient + ((long)p * outHeight * outWidth);
                for (int oh = 0; oh < outHeight; oh++, pooledGradient += outWidth)
                {
                    float* top = image + (2 * oh * width), bottom = top + width;
                    float* topGradient = imageGradient + (2 * oh * width), bottomGradient = topGradient + width;
                    int ow = 0;
                    for (; ow < full; ow += Step)
                    {
                        int c = 2 * ow;
                        Window(Load(top + c), Load(top + c + Step), Load(bottom + c), Load(bottom + c + Step), out _, out Vector512<int> choice);
                        var g = Vector512.Load(pooledGradient + ow);
                        Interleave(Route(g, choice, 0), Route(g, choice, 1), out Vector512<float> low, out Vector512<float> high);
                        low.Store(topGradient + c);
                        high.Store(topGradient + c + Step);
                        Interleave(Route(g, choice, 2), Route(g, choice, 3), out low, out high);
                        low.Store(bottomGradient + c);
                        high.Store(bottomGradient + c + Step);
                    }

                    if (tail.Windows != 0)
                    {
                        int c = 2 * ow;
                        Window(tail.LoadLow(top + c), tail.LoadHigh(top + c + Step), tail.LoadLow(bottom + c), tail.LoadHigh(bottom + c + Step), out _, out Vector512<int> choice);
                        var g = Avx512F.MaskLoad(pooledGradient + ow, tail.Output, Vector512<float>.Zero);
                        Interleave(Route(g, choice, 0), Route(g, choice, 1), out Vector512<float> low, out Vector512<float> high);
                        Avx512F.MaskStore(topGradient + c, tail.Low, low);
                        Avx512F.MaskStore(topGradient + c + Step, tail.High, high);
                        Interleave(Route(g, choice, 2), Route(g, choice, 3), out low, out high);
                        Avx512F.MaskStore(bottomGradient + c, tail.Low, low);
                        Avx512F.MaskStore(bottomGradient + c + Step, tail.High, high);
                    }

                    // At most one column (odd widths): plain stores, a Span.Clear call per row cost more than the row.
                    for (int j = 2 * outWidth; j < width; j++)
                    {
                        topGradient[j] = 0f;
                        bottomGradient[j] = 0f;
                    }
                }

                for (float* rest = imageGradient + (2 * outHeight * width), end = imageGradient + (height * width); rest < end; rest++)
                {
                    *rest = 0f;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* source) => Vector512.Load(source);

    /// <summary>Maximum and arg-max (0..3 in row-major window order) of 16 windows given their 32 top and 32 bottom input columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Window(Vector512<float> top0, Vector512<float> top1, Vector512<float> bottom0, Vector512<float> bottom1, out Vector512<float> max, out Vector512<int> choice)
    {
        max = Avx512F.PermuteVar16x32x2(top0, EvenLanes, top1);
        choice = Vector512<int>.Zero;
        Challenge(ref max, ref choice, Avx512F.PermuteVar16x32x2(top0, OddLanes, top1), 1);
        Challenge(ref max, ref choice, Avx512F.PermuteVar16x32x2(bottom0, EvenLanes, bottom1), 2);
        Challenge(ref max, ref choice, Avx512F.PermuteVar16x32x2(bottom0, OddLanes, bottom1), 3);
    }

    /// <summary>The scalar rule lane by lane: the candidate wins if it is larger or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Challenge(ref Vector512<float> max, ref Vector512<int> choice, Vector512<float> candidate, int position)
    {
        Vector512<float> wins = Vector512.GreaterThan(candidate, max) | ~Vector512.Equals(candidate, candidate);
        max = Vector512.ConditionalSelect(wins, candidate, max);
        choice = Vector512.ConditionalSelect(wins.AsInt32(), Vector512.Create(position), choice);
    }

    /// <summary>dy where the window chose <paramref name="position"/>, else 0; "0 +" rounds like the scalar path's accumulation into a cleared dx (−0 becomes +0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Route(Vector512<float> gradient, Vector512<int> choice, int position) =>
        Vector512<float>.Zero + (gradient & Vector512.Equals(choice, Vector512.Create(position)).AsSingle());

    /// <summary>low/high = the 32 values left[0], right[0], left[1], right[1], …</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector512<float> left, Vector512<float> right, out Vector512<float> low, out Vector512<float> high)
    {
        low = Avx512F.PermuteVar16x32x2(left, InterleaveLow, right);
        high = Avx512F.PermuteVar16x32x2(left, InterleaveHigh, right);
    }

    /// <summary>Lane masks for a row's last <see cref="Windows"/> (&lt; 16) windows: their 2·Windows input columns and their outputs.</summary>
    private readonly struct TailMasks
    {
        public readonly int Windows;
        public readonly Vector512<float> Low, High, Output;

        public TailMasks(int windows)
        {
            Windows = windows;
            Low = Vector512.LessThan(LaneIndex, Vector512.Create(2 * windows)).AsSingle();
            High = Vector512.LessThan(LaneIndex, Vector512.Create((2 * windows) - Step)).AsSingle();
            Output = Vector512.LessThan(LaneIndex, Vector512.Create(windows)).AsSingle();
        }

        /// <summary>The first 16 input columns of the tail; masked-off lanes read as 0 and touch no memory.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> LoadLow(float* source) => Avx512F.MaskLoad(source, Low, Vector512<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> LoadHigh(float* source) => Avx512F.MaskLoad(source, High, Vector512<float>.Zero);
    }
}
