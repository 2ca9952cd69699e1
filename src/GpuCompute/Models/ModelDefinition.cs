using CyclicActors.GpuCompute.Layers;

namespace CyclicActors.GpuCompute.Models;

/// <summary>A sequential model: layers applied in order, ending in class logits.</summary>
public sealed class ModelDefinition
{
    public ModelDefinition(string name, Shape3 inputShape, IReadOnlyList<Layer> layers)
    {
        if (layers.Count == 0)
        {
            throw new ArgumentException("A model needs at least one layer.", nameof(layers));
        }

        for (int i = 0; i < layers.Count; i++)
        {
            var expected = i == 0 ? inputShape : layers[i - 1].Output;
            if (layers[i].Input.Elements != expected.Elements)
            {
                throw new ArgumentException($"Layer {i} ({layers[i].Description}) expects {layers[i].Input} but receives {expected}.");
            }
        }

        Name = name;
        InputShape = inputShape;
        Layers = layers;
    }

    public string Name { get; }

    public Shape3 InputShape { get; }

    public IReadOnlyList<Layer> Layers { get; }

    public int Classes => Layers[^1].Output.Elements;

    public long ParameterCount => Layers.Sum(l => l.ParameterElements);

    /// <summary>Every parameter tensor with its checkpoint name ("{layer index}.{name}", as in a PyTorch nn.Sequential).</summary>
    public IEnumerable<(int LayerIndex, string Name, ParameterSpec Spec)> NamedParameters()
    {
        for (int i = 0; i < Layers.Count; i++)
        {
            foreach (var spec in Layers[i].Parameters)
            {
                yield return (i, $"{i}.{spec.Name}", spec);
            }
        }
    }
}
