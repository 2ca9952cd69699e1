using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Tests;

/// <summary>Seeded random tensors and upload/download helpers shared by the kernel tests.</summary>
internal static class TestData
{
    public static float[] Uniform(int seed, int length, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + ((high - low) * random.NextSingle());
        }

        return values;
    }

    /// <summary>Values bounded away from 0 by <paramref name="gap"/>, so a ±gap/2 finite-difference step never crosses a ReLU kink.</summary>
    public static float[] AwayFromZero(int seed, int length, float gap)
    {
        float[] values = Uniform(seed, length);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += MathF.CopySign(gap, values[i]);
        }

        return values;
    }

    public static DeviceBuffer Upload(CpuBackend backend, float[] values, MemoryTag tag = MemoryTag.Activations)
    {
        DeviceBuffer buffer = backend.Allocate(values.Length, tag);
        backend.Upload(values, buffer);
        return buffer;
    }

    public static float[] Download(CpuBackend backend, DeviceBuffer buffer)
    {
        var values = new float[buffer.Length];
        backend.Download(buffer, values);
        return values;
    }

    /// <summary>L = Σ r·y in double, the scalar whose gradient with respect to y is r.</summary>
    public static double Dot(float[] r, float[] y)
    {
        double sum = 0;
        for (int i = 0; i < r.Length; i++)
        {
            sum += (double)r[i] * y[i];
        }

        return sum;
    }
}
