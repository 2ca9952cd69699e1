using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>PyTorch's SGD (dampening 0, no Nesterov), each operation rounded to float32 as torch does.</summary>
public sealed partial class CpuBackend
{
    public void SgdStep(TensorView weights, TensorView gradients, TensorView momentum, SgdHyperParameters hyper)
    {
        gradients.RequireLength(weights.Length, "SgdStep gradients");
        Span<float> w = Span(weights);
        ReadOnlySpan<float> g = Span(gradients)[..w.Length];
        float lr = hyper.LearningRate, mu = hyper.Momentum, wd = hyper.WeightDecay;
        if (mu == 0f)
        {
            // The momentum buffer is left untouched (and may be empty) when μ = 0.
            for (int i = 0; i < w.Length; i++)
            {
                float d = g[i] + (wd * w[i]);
                w[i] -= lr * d;
            }

            return;
        }

        momentum.RequireLength(weights.Length, "SgdStep momentum");
        Span<float> v = Span(momentum)[..w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            float d = g[i] + (wd * w[i]);
            v[i] = (mu * v[i]) + d;
            w[i] -= lr * v[i];
        }
    }
}
