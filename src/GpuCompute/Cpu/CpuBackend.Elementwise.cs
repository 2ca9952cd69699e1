using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// Elementwise kernels. None of them reduces, so vector width cannot change a result; the
/// multiply-adds are the unfused kind so scalar tails round exactly like vector bodies.
/// </summary>
public sealed partial class CpuBackend
{
    public void Axpy(float alpha, TensorView x, TensorView y)
    {
        y.RequireLength(x.Length, "Axpy y");
        Span<float> target = Span(y)[..(int)x.Length];
        TensorPrimitives.MultiplyAdd(Span(x), alpha, target, target);
    }

    public void Scale(float alpha, TensorView x)
    {
        Span<float> values = Span(x);
        TensorPrimitives.Multiply(values, alpha, values);
    }

    public void ReluForward(TensorView x, TensorView y)
    {
        y.RequireLength(x.Length, "ReluForward y");
        ReadOnlySpan<float> input = Span(x);

        // Max propagates NaN, as torch.relu does.
        TensorPrimitives.Max(input, 0f, Span(y)[..input.Length]);
    }

    public void ReluBackward(TensorView y, TensorView dy, TensorView dx)
    {
        dy.RequireLength(y.Length, "ReluBackward dy");
        dx.RequireLength(y.Length, "ReluBackward dx");
        ReadOnlySpan<float> output = Span(y);
        PassWherePositive(output, Span(dy)[..output.Length], Span(dx)[..output.Length]);
    }

    /// <summary>gated[i] = gate[i] &gt; 0 ? values[i] : 0, by masking; gated may alias values.</summary>
    private static unsafe void PassWherePositive(ReadOnlySpan<float> gate, ReadOnlySpan<float> values, Span<float> gated)
    {
        int i = 0, length = gate.Length;
        if (values.Length < length || gated.Length < length)
        {
            throw new ArgumentException("PassWherePositive: spans of different lengths.");
        }

        fixed (float* g = gate, v = values, o = gated)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                // Pointers and two vectors per step: the Span-sliced loop spent a third of its time on bounds checks.
                for (; i <= length - (2 * Vector512<float>.Count); i += 2 * Vector512<float>.Count)
                {
                    Vector512<float> low = Vector512.Load(v + i) & Vector512.GreaterThan(Vector512.Load(g + i), Vector512<float>.Zero);
                    Vector512<float> high = Vector512.Load(v + i + 16) & Vector512.GreaterThan(Vector512.Load(g + i + 16), Vector512<float>.Zero);
                    low.Store(o + i);
                    high.Store(o + i + 16);
                }

                for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
                {
                    (Vector512.Load(v + i) & Vector512.GreaterThan(Vector512.Load(g + i), Vector512<float>.Zero)).Store(o + i);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    (Vector256.Load(v + i) & Vector256.GreaterThan(Vector256.Load(g + i), Vector256<float>.Zero)).Store(o + i);
                }
            }

            for (; i < length; i++)
            {
                o[i] = g[i] > 0f ? v[i] : 0f;
            }
        }
    }
}
