using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

/// <summary>Mean softmax cross-entropy, computed through log-sum-exp so large logits cannot overflow.</summary>
public sealed partial class CpuBackend
{
    public float SoftmaxCrossEntropy(TensorView logits, TensorView oneHot, TensorView dlogits, int batch, int classes)
    {
        if (batch <= 0 || classes <= 0)
        {
            throw new ArgumentException($"Invalid softmax shape: batch {batch}, classes {classes}.");
        }

        long elements = (long)batch * classes;
        logits.RequireLength(elements, "SoftmaxCrossEntropy logits");
        oneHot.RequireLength(elements, "SoftmaxCrossEntropy oneHot");
        dlogits.RequireLength(elements, "SoftmaxCrossEntropy dlogits");

        ReadOnlySpan<float> scores = Span(logits), targets = Span(oneHot);
        Span<float> gradient = Span(dlogits);
        float inverseBatch = 1f / batch;
        double total = 0;
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = scores.Slice(i * classes, classes);
            ReadOnlySpan<float> target = targets.Slice(i * classes, classes);
            float max = MaxInOrder(row);
            double sumExp = 0;
            double targetLogitShifted = 0, targetMass = 0;
            for (int c = 0; c < classes; c++)
            {
                sumExp += Math.Exp(row[c] - max);
                targetLogitShifted += (double)target[c] * (row[c] - max);
                targetMass += target[c];
            }

            // −Σ t·log softmax = Σ t·(lse − l), with both lse and l shifted by the row maximum.
            double logSumExp = Math.Log(sumExp);
            total += (targetMass * logSumExp) - targetLogitShifted;

            // Written after the row is fully read, so dlogits may alias logits.
            Span<float> rowGradient = gradient.Slice(i * classes, classes);
            for (int c = 0; c < classes; c++)
            {
                float probability = (float)Math.Exp(row[c] - max - logSumExp);
                rowGradient[c] = (probability - target[c]) * inverseBatch;
            }
        }

        return (float)(total / batch);
    }

    private static float MaxInOrder(ReadOnlySpan<float> values)
    {
        float max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > max)
            {
                max = values[i];
            }
        }

        return max;
    }
}
