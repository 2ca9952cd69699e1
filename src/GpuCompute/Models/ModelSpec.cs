using System.Globalization;
using CyclicActors.GpuCompute.Layers;

namespace CyclicActors.GpuCompute.Models;

/// <summary>The kinds of layer a model description may list.</summary>
public enum LayerKind
{
    Conv,
    Relu,
    MaxPool,
    Flatten,
    Dense,
    Residual,
}

/// <summary>
/// One layer of a <see cref="ModelSpec"/>: <paramref name="Size"/> is the output channels (conv,
/// residual) or features (dense; null for the data's class count), <paramref name="Kernel"/> the
/// convolution's or the pool's window, <paramref name="Stride"/> and <paramref name="Padding"/> the
/// convolution's (a residual block's stride).
/// </summary>
public sealed record LayerSpec(LayerKind Kind, int? Size = null, int Kernel = 0, int Stride = 1, int Padding = 0)
{
    /// <summary>The canonical text of the layer: "conv 32 3 1 0", "relu", "max-pool 2", "flatten", "dense 128", "dense classes", "residual 64 2".</summary>
    public override string ToString() => Kind switch
    {
        LayerKind.Conv => string.Create(CultureInfo.InvariantCulture, $"conv {Size} {Kernel} {Stride} {Padding}"),
        LayerKind.Relu => "relu",
        LayerKind.MaxPool => string.Create(CultureInfo.InvariantCulture, $"max-pool {Kernel}"),
        LayerKind.Flatten => "flatten",
        LayerKind.Dense => Size is { } features ? string.Create(CultureInfo.InvariantCulture, $"dense {features}") : "dense classes",
        LayerKind.Residual => string.Create(CultureInfo.InvariantCulture, $"residual {Size} {Stride}"),
        _ => throw new InvalidOperationException($"Unknown layer kind {Kind}."),
    };
}

/// <summary>
/// A model as data: a name and its layers in order, independent of the input shape and class count,
/// which come from the data when it is built. The presets are such descriptions (and files under
/// hocon/models/); a user's model file is read into one. Its canonical <see cref="Text"/> travels to
/// cluster members and into checkpoints, so a run is rebuilt from it exactly.
/// </summary>
public sealed record ModelSpec(string Name, IReadOnlyList<LayerSpec> Layers)
{
    /// <summary>The layers' canonical texts joined with " | ".</summary>
    public string Text => string.Join(" | ", Layers);

    /// <exception cref="ArgumentException">A layer that does not fit what comes before it, naming the layer's index.</exception>
    public ModelDefinition Build(Shape3 input, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (Layers.Count == 0)
        {
            throw new ArgumentException($"Model {Name} has no layers.");
        }

        var layers = new List<Layer>(Layers.Count);
        for (var index = 0; index < Layers.Count; index++)
        {
            var spec = Layers[index];
            var current = layers.Count == 0 ? input : layers[^1].Output;
            Check(spec, index);
            Shape3 Fitting(int pixels) =>
                current.Height >= pixels && current.Width >= pixels
                    ? current
                    : throw new ArgumentException(
                        $"{input.Channels}x{input.Height}x{input.Width} images are too small: layer {index} ({spec}) needs at least {pixels}x{pixels} pixels but the images shrink to {current.Channels}x{current.Height}x{current.Width} before it");
            layers.Add(spec.Kind switch
            {
                LayerKind.Conv => new Conv2dLayer(Fitting(spec.Kernel - (2 * spec.Padding)), spec.Size!.Value, spec.Kernel, spec.Stride, spec.Padding),
                LayerKind.Relu => new ReluLayer(current),
                LayerKind.MaxPool => new MaxPool2dLayer(Fitting(spec.Kernel), spec.Kernel),
                LayerKind.Flatten => new FlattenLayer(current),
                LayerKind.Dense => new DenseLayer(current, spec.Size ?? classes),
                LayerKind.Residual => current.Height % spec.Stride == 0 && current.Width % spec.Stride == 0
                    ? new ResidualBlock(current, spec.Size!.Value, spec.Stride)
                    : throw new ArgumentException($"layer {index} ({spec}): a stride of {spec.Stride} does not divide its {current.Height}x{current.Width} input"),
                _ => throw new ArgumentException($"layer {index} ({spec}): unknown kind {spec.Kind}"),
            });
        }

        if (layers[^1].Output.Elements != classes)
        {
            throw new ArgumentException($"Model {Name} ends in {layers[^1].Output.Elements} outputs, but the data has {classes} classes: end with a dense layer of {classes} (features = classes)");
        }

        return new ModelDefinition(Name, input, layers);
    }

    /// <summary>The sizes a layer of its kind must have: counts of at least 1, padding of at least 0.</summary>
    private static void Check(LayerSpec spec, int index)
    {
        void AtLeast(int? value, int minimum, string what)
        {
            if (value is null || value < minimum)
            {
                throw new ArgumentException($"layer {index} ({spec}): {what} must be at least {minimum}; got {value?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}");
            }
        }

        switch (spec.Kind)
        {
            case LayerKind.Conv:
                AtLeast(spec.Size, 1, "channels");
                AtLeast(spec.Kernel, 1, "kernel");
                AtLeast(spec.Stride, 1, "stride");
                AtLeast(spec.Padding, 0, "padding");
                break;
            case LayerKind.MaxPool:
                AtLeast(spec.Kernel, 1, "window");
                break;
            case LayerKind.Dense when spec.Size is not null:
                AtLeast(spec.Size, 1, "features");
                break;
            case LayerKind.Residual:
                AtLeast(spec.Size, 1, "channels");
                AtLeast(spec.Stride, 1, "stride");
                break;
        }
    }

    /// <summary>The inverse of <see cref="Text"/>.</summary>
    /// <exception cref="FormatException">Text that no <see cref="ModelSpec"/> writes.</exception>
    public static ModelSpec Parse(string name, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var layers = text.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select((layer, index) =>
        {
            var words = layer.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int Number(int at) => words.Length > at && int.TryParse(words[at], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new FormatException($"Layer {index} of model {name} reads '{layer}': word {at + 1} must be a whole number.");
            return words[0] switch
            {
                "conv" when words.Length == 5 => new LayerSpec(LayerKind.Conv, Number(1), Number(2), Number(3), Number(4)),
                "relu" when words.Length == 1 => new LayerSpec(LayerKind.Relu),
                "max-pool" when words.Length == 2 => new LayerSpec(LayerKind.MaxPool, Kernel: Number(1)),
                "flatten" when words.Length == 1 => new LayerSpec(LayerKind.Flatten),
                "dense" when words is [_, "classes"] => new LayerSpec(LayerKind.Dense),
                "dense" when words.Length == 2 => new LayerSpec(LayerKind.Dense, Number(1)),
                "residual" when words.Length == 3 => new LayerSpec(LayerKind.Residual, Number(1), Stride: Number(2)),
                _ => throw new FormatException($"Layer {index} of model {name} reads '{layer}', which is no layer."),
            };
        }).ToArray();
        return new ModelSpec(name, layers);
    }
}
