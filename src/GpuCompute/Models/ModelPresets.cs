using CyclicActors.GpuCompute.Layers;

namespace CyclicActors.GpuCompute.Models;

/// <summary>The built-in architectures. Each mirrors an nn.Sequential in PyTorch layer for layer.</summary>
public static class ModelPresets
{
    public static readonly IReadOnlyList<string> Names = ["mlp", "mlp-deep", "cnn", "resnet-mini"];

    public static Shape3 Mnist => new(1, 28, 28);

    public static ModelDefinition Create(string name, Shape3? inputShape = null, int classes = 10) =>
        Spec(name).Build(inputShape ?? Mnist, classes);

    /// <summary>The model a run trains: its file's layers when it came from one, else the preset it names.</summary>
    public static ModelDefinition Create(Training.TrainingConfig config, Shape3 inputShape, int classes)
    {
        ArgumentNullException.ThrowIfNull(config);
        return SpecOf(config.Model, config.ModelLayers).Build(inputShape, classes);
    }

    /// <summary>The layers of a model given by name and, for a model file, its layers' text.</summary>
    public static ModelSpec SpecOf(string name, string? layers) => layers is null ? Spec(name) : ModelSpec.Parse(name, layers);

    /// <summary>A preset's layers (the same as its file under hocon/models/).</summary>
    public static ModelSpec Spec(string name) => name switch
    {
        // 784-256-256-10 with ReLU.
        "mlp" => Of(name, "flatten | dense 256 | relu | dense 256 | relu | dense classes"),
        // 784, eight 1024-wide dense+ReLU layers, then the classifier: equal-width stages.
        "mlp-deep" => Of(name, "flatten | " + string.Concat(Enumerable.Repeat("dense 1024 | relu | ", 8)) + "dense classes"),
        // conv 1→32 3x3, ReLU, pool, conv 32→64 3x3, ReLU, pool, dense 1600→128, ReLU, dense 128→10.
        "cnn" => Of(name, "conv 32 3 1 0 | relu | max-pool 2 | conv 64 3 1 0 | relu | max-pool 2 | flatten | dense 128 | relu | dense classes"),
        // Stem conv 3x3 (32 channels, padding 1) + ReLU, four residual blocks [32→32 s1, 32→64 s2 (projection),
        // 64→64 s1, 64→128 s2 (projection)], Flatten, a dense classifier: 1x28x28 → 128x7x7, 3x32x32 → 128x8x8.
        "resnet-mini" => Of(name, "conv 32 3 1 1 | relu | residual 32 1 | residual 64 2 | residual 64 1 | residual 128 2 | flatten | dense classes"),
        _ => throw new ArgumentException($"Unknown model '{name}'. Valid models: {string.Join(", ", Names)}, or a model file (FILE.conf)."),
    };

    private static ModelSpec Of(string name, string layers) => ModelSpec.Parse(name, layers);
}
