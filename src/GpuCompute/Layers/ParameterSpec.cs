namespace CyclicActors.GpuCompute.Layers;

/// <summary>
/// One parameter tensor of a layer, in PyTorch's layout (conv [out, in, kh, kw], dense [out, in],
/// bias [out]). <see cref="FanIn"/> sets the Kaiming-uniform bound 1/√fan_in that PyTorch's default
/// init gives both weights and biases.
/// </summary>
public sealed record ParameterSpec(string Name, IReadOnlyList<int> Shape, int FanIn)
{
    public long Elements => Shape.Aggregate(1L, (product, dimension) => product * dimension);
}
