using CyclicActors.GpuCompute.Models;

namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>Converts a model's flat parameters (model order) to and from named PyTorch-layout tensors.</summary>
public static class ModelTensors
{
    public static IReadOnlyList<TensorSpec> Expected(ParameterLayout layout) =>
        layout.Slots.Select(slot => new TensorSpec(slot.Name, slot.Shape.ToArray())).ToArray();

    /// <summary>Slices <paramref name="flat"/> (all parameters, model order) into named tensors.</summary>
    public static IReadOnlyList<NamedTensor> ToTensors(ParameterLayout layout, ReadOnlySpan<float> flat, string prefix = "")
    {
        if (flat.Length != layout.TotalSize)
        {
            throw new ArgumentException($"Expected {layout.TotalSize} values, got {flat.Length}.");
        }

        var tensors = new List<NamedTensor>(layout.Slots.Count);
        long offset = 0;
        foreach (var slot in layout.Slots)
        {
            tensors.Add(new NamedTensor(prefix + slot.Name, slot.Shape.ToArray(), flat.Slice((int)offset, (int)slot.Length).ToArray()));
            offset += slot.Length;
        }

        return tensors;
    }

    /// <summary>As <see cref="ToTensors"/> from per-stage buffers (stage order), without joining them first.</summary>
    public static IReadOnlyList<NamedTensor> FromStages(ParameterLayout layout, IReadOnlyList<float[]> stages, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count != layout.StageSizes.Count || stages.Where((stage, index) => stage.Length != layout.StageSizes[index]).Any())
        {
            throw new ArgumentException($"Expected {layout.StageSizes.Count} stages of [{string.Join(", ", layout.StageSizes)}] values, got [{string.Join(", ", stages.Select(stage => stage.Length))}].");
        }

        return [.. layout.Slots.Select(slot => new NamedTensor(prefix + slot.Name, slot.Shape.ToArray(), stages[slot.Stage].AsSpan((int)slot.Offset, (int)slot.Length).ToArray()))];
    }

    /// <summary>The inverse of <see cref="ToTensors"/>; names are looked up with <paramref name="prefix"/>.</summary>
    public static float[] ToFlat(ParameterLayout layout, IReadOnlyDictionary<string, NamedTensor> tensors, string prefix = "")
    {
        var flat = new float[layout.TotalSize];
        long offset = 0;
        foreach (var slot in layout.Slots)
        {
            if (!tensors.TryGetValue(prefix + slot.Name, out var tensor))
            {
                throw new ArgumentException($"Tensor '{prefix + slot.Name}' is missing.");
            }

            if (tensor.Data.Length != slot.Length)
            {
                throw new ArgumentException($"Tensor '{prefix + slot.Name}' has {tensor.Data.Length} values; the model needs {slot.Length}.");
            }

            tensor.Data.CopyTo(flat, offset);
            offset += slot.Length;
        }

        return flat;
    }
}
