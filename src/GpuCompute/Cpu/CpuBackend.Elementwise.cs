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
    private static void PassWherePositive(ReadOnlySpan<float> gate, ReadOnlySpan<float> values, Span<float> gated)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= gate.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> mask = Vector512.GreaterThan(Vector512.Create(gate[i..]), Vector512<float>.Zero);
                (Vector512.Create(values[i..]) & mask).CopyTo(gated[i..]);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= gate.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> mask = Vector256.GreaterThan(Vector256.Create(gate[i..]), Vector256<float>.Zero);
                (Vector256.Create(values[i..]) & mask).CopyTo(gated[i..]);
            }
        }

        for (; i < gate.Length; i++)
        {
            gated[i] = gate[i] > 0f ? values[i] : 0f;
        }
    }
}
