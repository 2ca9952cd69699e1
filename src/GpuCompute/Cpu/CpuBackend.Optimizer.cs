using System.Numerics.Tensors;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>
/// PyTorch's SGD (dampening 0, no Nesterov). Each operation is rounded to float32 separately, as
/// torch's foreach kernels do: d = g + wd·w, v = μ·v + d, w = w − lr·v.
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>Elements per pass: the decayed gradient d of one chunk lives on the stack (4 KiB), never in a buffer.</summary>
    private const int SgdChunk = 1024;

    public void SgdStep(TensorView weights, TensorView gradients, TensorView momentum, SgdHyperParameters hyper)
    {
        gradients.RequireLength(weights.Length, "SgdStep gradients");
        bool useMomentum = hyper.Momentum != 0f;
        if (useMomentum)
        {
            momentum.RequireLength(weights.Length, "SgdStep momentum");
        }

        Span<float> w = Span(weights);
        ReadOnlySpan<float> g = Span(gradients)[..w.Length];

        // The momentum buffer is not even looked at when μ = 0 (it may be empty).
        Span<float> v = useMomentum ? Span(momentum)[..w.Length] : default;
        Span<float> d = stackalloc float[SgdChunk];
        for (int start = 0; start < w.Length; start += SgdChunk)
        {
            int count = Math.Min(SgdChunk, w.Length - start);
            Span<float> wChunk = w.Slice(start, count), dChunk = d[..count];
            TensorPrimitives.MultiplyAdd(wChunk, hyper.WeightDecay, g.Slice(start, count), dChunk);
            if (useMomentum)
            {
                Span<float> vChunk = v.Slice(start, count);
                TensorPrimitives.MultiplyAdd(vChunk, hyper.Momentum, dChunk, vChunk);
                dChunk = vChunk;
            }

            // w + (−lr)·step is exactly w − lr·step: negation does not round.
            TensorPrimitives.MultiplyAdd(dChunk, -hyper.LearningRate, wChunk, wChunk);
        }
    }
}
