using System.Numerics.Tensors;
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
        Span<float> output = Span(y)[..input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = input[i] > 0f ? input[i] : 0f;
        }
    }

    public void ReluBackward(TensorView y, TensorView dy, TensorView dx)
    {
        dy.RequireLength(y.Length, "ReluBackward dy");
        dx.RequireLength(y.Length, "ReluBackward dx");
        ReadOnlySpan<float> output = Span(y), outputGradient = Span(dy)[..output.Length];
        Span<float> inputGradient = Span(dx)[..output.Length];
        for (int i = 0; i < output.Length; i++)
        {
            inputGradient[i] = output[i] > 0f ? outputGradient[i] : 0f;
        }
    }
}
