using CyclicActors.GpuCompute.Layers;

namespace CyclicActors.GpuCompute.Models;

/// <summary>How a model is cut into L contiguous stages.</summary>
public enum PartitionStrategy
{
    /// <summary>Balanced forward FLOPs per stage (what the paper's code does).</summary>
    Flops,

    /// <summary>Balanced stored activation bytes per micro-batch: what CDP's memory saving depends on.</summary>
    Activations,

    /// <summary>Balanced parameter counts.</summary>
    Params,
}

public static class Partitioner
{
    public static PartitionStrategy ParseStrategy(string text) => text switch
    {
        "flops" => PartitionStrategy.Flops,
        "activations" => PartitionStrategy.Activations,
        "params" => PartitionStrategy.Params,
        _ => throw new ArgumentException($"Unknown partition '{text}'. Valid: flops, activations, params, or explicit layer counts such as 3,4,2,1."),
    };

    /// <summary>
    /// Parses "flops|activations|params" or an explicit list of layer counts per stage ("3,4,2,1").
    /// </summary>
    public static StagePartition Partition(ModelDefinition model, int stages, string strategyOrCounts)
    {
        if (strategyOrCounts.Length > 0 && char.IsDigit(strategyOrCounts[0]))
        {
            var counts = strategyOrCounts.Split(',').Select(part =>
                int.TryParse(part.Trim(), out int count) ? count : throw new ArgumentException($"Invalid layer count '{part}' in partition '{strategyOrCounts}'.")).ToArray();
            if (counts.Length != stages)
            {
                throw new ArgumentException($"The explicit partition '{strategyOrCounts}' has {counts.Length} stages but {stages} were asked for.");
            }

            return new StagePartition(counts, model.Layers.Count);
        }

        return Partition(model, stages, ParseStrategy(strategyOrCounts));
    }

    /// <summary>
    /// Cuts at unit boundaries: a unit is a layer with parameters plus the parameter-free layers
    /// after it (ReLU, pooling, flatten), so a stage never ends between a layer and its activation,
    /// as the paper's code, which partitions parameter tensors, never does. Falls back to single
    /// layers when the model has fewer units than stages.
    /// </summary>
    public static StagePartition Partition(ModelDefinition model, int stages, PartitionStrategy strategy)
    {
        var units = Units(model);
        if (units.Count < stages)
        {
            units = Enumerable.Range(0, model.Layers.Count).Select(i => new[] { i }).ToList();
        }

        var weights = units.Select(unit => unit.Sum(layer => Weight(model.Layers[layer], strategy))).ToArray();
        var unitsPerStage = Balance(weights, stages);
        var layersPerStage = new int[stages];
        int next = 0;
        for (int stage = 0; stage < stages; stage++)
        {
            layersPerStage[stage] = units.Skip(next).Take(unitsPerStage[stage]).Sum(unit => unit.Length);
            next += unitsPerStage[stage];
        }

        return new StagePartition(layersPerStage, model.Layers.Count);
    }

    /// <summary>Groups of consecutive layer indices, each starting at a layer with parameters.</summary>
    public static List<int[]> Units(ModelDefinition model)
    {
        var units = new List<List<int>>();
        for (int layer = 0; layer < model.Layers.Count; layer++)
        {
            bool startsUnit = model.Layers[layer].ParameterElements > 0 && units.Count > 0 && units[^1].Any(i => model.Layers[i].ParameterElements > 0);
            if (units.Count == 0 || startsUnit)
            {
                units.Add([]);
            }

            units[^1].Add(layer);
        }

        return units.Select(unit => unit.ToArray()).ToList();
    }

    public static double Weight(Layer layer, PartitionStrategy strategy) => strategy switch
    {
        PartitionStrategy.Flops => layer.ForwardFlopsPerSample,
        PartitionStrategy.Activations => layer.StoredActivationsPerSample,
        PartitionStrategy.Params => layer.ParameterElements,
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    /// <summary>
    /// Splits weights into <paramref name="stages"/> non-empty contiguous groups minimising the sum
    /// of squared group totals (which, for a fixed grand total, is the most even split); ties go
    /// to the earliest cut. Exact dynamic programme, O(stages·n²): models have tens of layers.
    /// </summary>
    public static int[] Balance(IReadOnlyList<double> weights, int stages)
    {
        int n = weights.Count;
        if (stages < 1 || stages > n)
        {
            throw new ArgumentException($"Cannot cut {n} layers into {stages} non-empty stages (need 1 ≤ L ≤ {n}).");
        }

        var prefix = new double[n + 1];
        for (int i = 0; i < n; i++)
        {
            prefix[i + 1] = prefix[i] + weights[i];
        }

        // cost[s, i]: best cost of the first i layers in s stages; cut[s, i]: where stage s starts.
        var cost = new double[stages + 1, n + 1];
        var cut = new int[stages + 1, n + 1];
        for (int s = 0; s <= stages; s++)
        {
            for (int i = 0; i <= n; i++)
            {
                cost[s, i] = double.PositiveInfinity;
            }
        }

        cost[0, 0] = 0;
        for (int s = 1; s <= stages; s++)
        {
            for (int i = s; i <= n - (stages - s); i++)
            {
                for (int start = s - 1; start < i; start++)
                {
                    double group = prefix[i] - prefix[start];
                    double candidate = cost[s - 1, start] + (group * group);
                    if (candidate < cost[s, i] - (1e-12 * Math.Abs(candidate)))
                    {
                        cost[s, i] = candidate;
                        cut[s, i] = start;
                    }
                }
            }
        }

        var counts = new int[stages];
        int end = n;
        for (int s = stages; s >= 1; s--)
        {
            int start = cut[s, end];
            counts[s - 1] = end - start;
            end = start;
        }

        return counts;
    }
}
