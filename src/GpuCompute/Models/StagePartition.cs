namespace CyclicActors.GpuCompute.Models;

/// <summary>Contiguous stages of a sequential model, as the number of layers in each stage.</summary>
public sealed record StagePartition
{
    public StagePartition(IReadOnlyList<int> layersPerStage, int layerCount)
    {
        if (layersPerStage.Count == 0)
        {
            throw new ArgumentException("A partition needs at least one stage.");
        }

        if (layersPerStage.Any(count => count < 1))
        {
            throw new ArgumentException($"Every stage needs at least one layer; got [{string.Join(", ", layersPerStage)}].");
        }

        if (layersPerStage.Sum() != layerCount)
        {
            throw new ArgumentException($"The stages [{string.Join(", ", layersPerStage)}] cover {layersPerStage.Sum()} layers but the model has {layerCount}.");
        }

        LayersPerStage = layersPerStage.ToArray();
    }

    public IReadOnlyList<int> LayersPerStage { get; }

    public int StageCount => LayersPerStage.Count;

    /// <summary>Index of the first layer of a (0-based) stage.</summary>
    public int FirstLayer(int stage) => LayersPerStage.Take(stage).Sum();

    public Range LayerRange(int stage) => FirstLayer(stage)..(FirstLayer(stage) + LayersPerStage[stage]);

    public int StageOfLayer(int layer)
    {
        int end = 0;
        for (int stage = 0; stage < StageCount; stage++)
        {
            end += LayersPerStage[stage];
            if (layer < end)
            {
                return stage;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(layer));
    }

    public override string ToString() => string.Join(",", LayersPerStage);

    public bool Equals(StagePartition? other) => other is not null && LayersPerStage.SequenceEqual(other.LayersPerStage);

    public override int GetHashCode() => LayersPerStage.Aggregate(17, (hash, count) => (hash * 31) + count);
}
