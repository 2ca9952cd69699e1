using CyclicActors.GpuCompute.Layers;

namespace CyclicActors.GpuCompute.Models;

/// <summary>The built-in architectures. Each mirrors an nn.Sequential in PyTorch layer for layer.</summary>
public static class ModelPresets
{
    public static readonly IReadOnlyList<string> Names = ["mlp", "mlp-deep", "cnn", "resnet-mini"];

    public static Shape3 Mnist => new(1, 28, 28);

    public static ModelDefinition Create(string name, Shape3? inputShape = null, int classes = 10)
    {
        var input = inputShape ?? Mnist;
        return name switch
        {
            "mlp" => Mlp(input, classes),
            "mlp-deep" => MlpDeep(input, classes),
            "cnn" => Cnn(input, classes),
            "resnet-mini" => ResNetMini(input, classes),
            _ => throw new ArgumentException($"Unknown model '{name}'. Valid models: {string.Join(", ", Names)}."),
        };
    }

    /// <summary>784-256-256-10 with ReLU.</summary>
    public static ModelDefinition Mlp(Shape3 input, int classes)
    {
        var b = new SequentialBuilder(input);
        b.Flatten().Dense(256).Relu().Dense(256).Relu().Dense(classes);
        return b.Build("mlp");
    }

    /// <summary>784, eight 1024-wide dense+ReLU layers, then the classifier: equal-width stages.</summary>
    public static ModelDefinition MlpDeep(Shape3 input, int classes)
    {
        var b = new SequentialBuilder(input);
        b.Flatten();
        for (int i = 0; i < 8; i++)
        {
            b.Dense(1024).Relu();
        }

        b.Dense(classes);
        return b.Build("mlp-deep");
    }

    /// <summary>conv 1→32 3x3, ReLU, pool, conv 32→64 3x3, ReLU, pool, dense 1600→128, ReLU, dense 128→10.</summary>
    public static ModelDefinition Cnn(Shape3 input, int classes)
    {
        var b = new SequentialBuilder(input);
        b.Conv(32, 3).Relu().MaxPool(2).Conv(64, 3).Relu().MaxPool(2).Flatten().Dense(128).Relu().Dense(classes);
        return b.Build("cnn");
    }

    /// <summary>
    /// Stem conv 3x3 (32 channels, padding 1) + ReLU, then four residual blocks
    /// [32→32 s1, 32→64 s2 (projection), 64→64 s1, 64→128 s2 (projection)], then Flatten and a dense
    /// classifier. Works for 1x28x28 (→ 128x7x7) and 3x32x32 (→ 128x8x8).
    /// </summary>
    public static ModelDefinition ResNetMini(Shape3 input, int classes)
    {
        var b = new SequentialBuilder(input);
        b.Conv(32, 3, padding: 1).Relu()
            .Residual(32, 1).Residual(64, 2).Residual(64, 1).Residual(128, 2)
            .Flatten().Dense(classes);
        return b.Build("resnet-mini");
    }

    private sealed class SequentialBuilder(Shape3 input)
    {
        private readonly List<Layer> _layers = [];

        private Shape3 Current => _layers.Count == 0 ? input : _layers[^1].Output;

        public SequentialBuilder Conv(int outChannels, int kernel, int stride = 1, int padding = 0) =>
            Add(new Conv2dLayer(Fitting(kernel - (2 * padding), $"a {kernel}x{kernel} convolution"), outChannels, kernel, stride, padding));

        public SequentialBuilder Relu() => Add(new ReluLayer(Current));

        public SequentialBuilder MaxPool(int window) => Add(new MaxPool2dLayer(Fitting(window, $"a {window}x{window} max-pool"), window));

        public SequentialBuilder Flatten() => Add(new FlattenLayer(Current));

        public SequentialBuilder Dense(int outFeatures) => Add(new DenseLayer(Current, outFeatures));

        public SequentialBuilder Residual(int outChannels, int stride) => Add(new ResidualBlock(Current, outChannels, stride));

        public ModelDefinition Build(string name) => new(name, input, _layers);

        /// <summary>The current shape, when it has at least <paramref name="pixels"/> rows and columns for the next layer.</summary>
        private Shape3 Fitting(int pixels, string layer) =>
            Current.Height >= pixels && Current.Width >= pixels
                ? Current
                : throw new ArgumentException(
                    $"{input.Channels}x{input.Height}x{input.Width} images are too small: layer {_layers.Count} ({layer}) needs at least {pixels}x{pixels} pixels but the images shrink to {Current.Channels}x{Current.Height}x{Current.Width} before it");

        private SequentialBuilder Add(Layer layer)
        {
            _layers.Add(layer);
            return this;
        }
    }
}
