namespace CyclicActors.GpuCompute.Models;

/// <summary>Where one parameter tensor lives: its stage and its offset in that stage's flat buffer.</summary>
public sealed record ParameterSlot(string Name, int LayerIndex, int Stage, long Offset, long Length, IReadOnlyList<int> Shape);

/// <summary>
/// Offsets of every parameter tensor inside its stage's flat buffer, in model order, so a stage's
/// parameters (and gradient) are one contiguous span and a tensor is a view into it.
/// </summary>
public sealed class ParameterLayout
{
    public ParameterLayout(ModelDefinition model, StagePartition partition)
    {
        if (partition.LayersPerStage.Sum() != model.Layers.Count)
        {
            throw new ArgumentException("The partition does not match the model's layer count.");
        }

        var slots = new List<ParameterSlot>();
        var stageSizes = new long[partition.StageCount];
        foreach (var (layerIndex, name, spec) in model.NamedParameters())
        {
            int stage = partition.StageOfLayer(layerIndex);
            slots.Add(new ParameterSlot(name, layerIndex, stage, stageSizes[stage], spec.Elements, spec.Shape));
            stageSizes[stage] += spec.Elements;
        }

        Slots = slots;
        StageSizes = stageSizes;
    }

    /// <summary>All tensors in model order (which is also stage order).</summary>
    public IReadOnlyList<ParameterSlot> Slots { get; }

    /// <summary>Floats per stage.</summary>
    public IReadOnlyList<long> StageSizes { get; }

    public long TotalSize => StageSizes.Sum();

    /// <summary>The most parameters one stage holds.</summary>
    public long LargestStageSize => StageSizes.Max();

    public IEnumerable<ParameterSlot> SlotsOfLayer(int layerIndex) => Slots.Where(slot => slot.LayerIndex == layerIndex);
}
