namespace CyclicActors.GpuCompute.Models;

/// <summary>
/// PyTorch's default init for Linear and Conv2d: weights by kaiming_uniform_(a = √5) and biases
/// uniform, which both come to U(−1/√fan_in, 1/√fan_in). Drawn tensor by tensor in model order from
/// one seeded generator, so the same seed gives bitwise the same parameters.
/// </summary>
public static class ParameterInitializer
{
    /// <summary>All parameters as one array in layout order (stage 0 first).</summary>
    public static float[] Initialize(ModelDefinition model, ParameterLayout layout, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[layout.TotalSize];
        var specs = model.NamedParameters().ToDictionary(p => p.Name, p => p.Spec);
        long stageBase = 0;
        var stageStart = new long[layout.StageSizes.Count];
        for (int stage = 0; stage < stageStart.Length; stage++)
        {
            stageStart[stage] = stageBase;
            stageBase += layout.StageSizes[stage];
        }

        foreach (var slot in layout.Slots)
        {
            float bound = 1f / MathF.Sqrt(specs[slot.Name].FanIn);
            var span = values.AsSpan((int)(stageStart[slot.Stage] + slot.Offset), (int)slot.Length);
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = random.Uniform(-bound, bound);
            }
        }

        return values;
    }
}
