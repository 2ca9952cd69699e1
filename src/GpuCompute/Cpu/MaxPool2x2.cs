using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// The common 2×2, stride-2 max-pool, 16 windows at a time with AVX-512. Each window's four
/// elements are taken in row-major order with the same rule as the scalar arg-max (a larger value
/// or a NaN replaces the current one), so results and gradient routing match it bit for bit.
/// Rows are split into even and odd columns with two-source permutes; windows are disjoint, so the
/// backward pass writes dx directly instead of accumulating.
/// </summary>
internal static class MaxPool2x2
{
    /// <summary>Output columns per vector step (16 windows read 32 input columns).</summary>
    public const int Step = 16;

    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    private static readonly Vector512<int> EvenLanes = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> OddLanes = EvenLanes + Vector512<int>.One;
    private static readonly Vector512<int> InterleaveLow = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static readonly Vector512<int> InterleaveHigh = InterleaveLow + Vector512.Create(8);

    /// <summary>pooled[ow] for ow in [0, count), count a multiple of <see cref="Step"/>, from image rows top and bottom.</summary>
    public static void Forward(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, Span<float> pooled, int count)
    {
        for (int ow = 0; ow < count; ow += Step)
        {
            (Vector512<float> max, _) = Window(top, bottom, 2 * ow);
            max.CopyTo(pooled[ow..]);
        }
    }

    /// <summary>Writes dx for the windows [0, count) of one output row: dy where the window's arg-max is, 0 elsewhere.</summary>
    public static void Backward(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, ReadOnlySpan<float> gradient, Span<float> topGradient, Span<float> bottomGradient, int count)
    {
        for (int ow = 0; ow < count; ow += Step)
        {
            (_, Vector512<int> choice) = Window(top, bottom, 2 * ow);
            var g = Vector512.Create(gradient[ow..]);
            Scatter(Route(g, choice, 0), Route(g, choice, 1), topGradient[(2 * ow)..]);
            Scatter(Route(g, choice, 2), Route(g, choice, 3), bottomGradient[(2 * ow)..]);
        }
    }

    /// <summary>Maximum and arg-max (0..3 in row-major window order) of 16 windows starting at input column <paramref name="column"/>.</summary>
    private static (Vector512<float> Max, Vector512<int> Choice) Window(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, int column)
    {
        var top0 = Vector512.Create(top[column..]);
        var top1 = Vector512.Create(top[(column + Step)..]);
        var bottom0 = Vector512.Create(bottom[column..]);
        var bottom1 = Vector512.Create(bottom[(column + Step)..]);

        Vector512<float> max = Avx512F.PermuteVar16x32x2(top0, EvenLanes, top1);
        Vector512<int> choice = Vector512<int>.Zero;
        Challenge(ref max, ref choice, Avx512F.PermuteVar16x32x2(top0, OddLanes, top1), 1);
        Challenge(ref max, ref choice, Avx512F.PermuteVar16x32x2(bottom0, EvenLanes, bottom1), 2);
        Challenge(ref max, ref choice, Avx512F.PermuteVar16x32x2(bottom0, OddLanes, bottom1), 3);
        return (max, choice);
    }

    /// <summary>The scalar rule lane by lane: the candidate wins if it is larger or NaN.</summary>
    private static void Challenge(ref Vector512<float> max, ref Vector512<int> choice, Vector512<float> candidate, int position)
    {
        Vector512<float> wins = Vector512.GreaterThan(candidate, max) | ~Vector512.Equals(candidate, candidate);
        max = Vector512.ConditionalSelect(wins, candidate, max);
        choice = Vector512.ConditionalSelect(wins.AsInt32(), Vector512.Create(position), choice);
    }

    /// <summary>dy where the window chose <paramref name="position"/>, else 0; "0 +" rounds like the scalar path's accumulation into a cleared dx (−0 becomes +0).</summary>
    private static Vector512<float> Route(Vector512<float> gradient, Vector512<int> choice, int position) =>
        Vector512<float>.Zero + (gradient & Vector512.Equals(choice, Vector512.Create(position)).AsSingle());

    /// <summary>target[2i] = left[i], target[2i + 1] = right[i] for 16 lanes.</summary>
    private static void Scatter(Vector512<float> left, Vector512<float> right, Span<float> target)
    {
        Avx512F.PermuteVar16x32x2(left, InterleaveLow, right).CopyTo(target);
        Avx512F.PermuteVar16x32x2(left, InterleaveHigh, right).CopyTo(target[Step..]);
    }
}
