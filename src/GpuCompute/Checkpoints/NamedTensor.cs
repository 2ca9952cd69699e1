namespace CyclicActors.GpuCompute.Checkpoints;

/// <summary>
/// A named float32 tensor in host memory, row-major. <see cref="Data"/> holds exactly the product of
/// <see cref="Shape"/> elements (1 for a scalar, shape []). The arrays are not copied: do not mutate them
/// while the tensor is being written.
/// </summary>
public sealed record NamedTensor
{
    public NamedTensor(string name, int[] shape, float[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Any(d => d < 0))
        {
            throw new ArgumentException($"Tensor '{name}' has a negative dimension in shape {TensorSpec.Format(shape)}.", nameof(shape));
        }

        var elements = TensorSpec.ElementCount(shape);
        if (elements != data.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}' of shape {TensorSpec.Format(shape)} needs {elements} elements, got {data.Length}.", nameof(data));
        }

        Name = name;
        Shape = shape;
        Data = data;
    }

    public string Name { get; }

    public int[] Shape { get; }

    public float[] Data { get; }

    public TensorSpec Spec => new(Name, Shape);

    public void Deconstruct(out string name, out int[] shape, out float[] data) => (name, shape, data) = (Name, Shape, Data);
}

/// <summary>The name and shape that a model expects a stored tensor to have.</summary>
public sealed record TensorSpec(string Name, int[] Shape)
{
    public long Elements => ElementCount(Shape);

    public bool HasShape(int[] shape) => Shape.AsSpan().SequenceEqual(shape);

    public override string ToString() => $"{Name} {Format(Shape)}";

    internal static long ElementCount(int[] shape)
    {
        long elements = 1;
        foreach (var d in shape)
        {
            elements = checked(elements * d);
        }

        return elements;
    }

    internal static string Format(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    internal static string Format(int[] shape) => Format(shape.Select(d => (long)d));
}
