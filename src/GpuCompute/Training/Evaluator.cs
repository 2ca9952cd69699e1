using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Training;

/// <summary>Top-1 accuracy of a replica over a labelled set, in batches.</summary>
public static class Evaluator
{
    public static (int Correct, int Total) CountCorrect(ModelReplica replica, ReadOnlySpan<float> pixels, ReadOnlySpan<byte> labels, int batchSize = 250)
    {
        int sampleSize = replica.Model.InputShape.Elements;
        int classes = replica.Model.Classes;
        int total = labels.Length;
        if (pixels.Length != (long)total * sampleSize)
        {
            throw new ArgumentException($"{labels.Length} labels but {pixels.Length / (double)sampleSize} samples.");
        }

        int correct = 0;
        using var input = replica.Backend.Allocate((long)batchSize * sampleSize, MemoryTag.Data);
        for (int start = 0; start < total; start += batchSize)
        {
            int count = Math.Min(batchSize, total - start);
            replica.Backend.Upload(pixels.Slice(start * sampleSize, count * sampleSize), input);
            var logits = replica.PredictLogits(input.Slice(0, (long)count * sampleSize), count);
            for (int i = 0; i < count; i++)
            {
                if (ArgMax(logits.AsSpan(i * classes, classes)) == labels[start + i])
                {
                    correct++;
                }
            }
        }

        return (correct, total);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
