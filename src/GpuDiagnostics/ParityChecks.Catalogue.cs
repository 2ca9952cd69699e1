using CyclicActors.GpuCompute;

namespace CyclicActors.GpuDiagnostics;

internal static partial class ParityChecks
{
    /// <summary>Shapes of the models the trainer runs (cnn on 1x28x28, resnet-mini on 3x32x32) plus odd sizes.</summary>
    public static IReadOnlyList<(string Name, Func<ParityHarness, IEnumerable<CheckResult>> Run)> All() =>
    [
        ("transfers", Transfers),
        ("vector", Vector),
        ("dense cnn fc1", h => Dense(h, 32, 1600, 128)),
        ("dense cnn fc2", h => Dense(h, 128, 128, 10)),
        ("dense odd", h => Dense(h, 7, 33, 5)),
        ("conv cnn conv1", h => Convolution(h, new Conv2dShape(32, 1, 28, 28, 32, 3, 3, 1, 0))),
        ("conv cnn conv2", h => Convolution(h, new Conv2dShape(32, 32, 13, 13, 64, 3, 3, 1, 0))),
        ("conv resnet stem", h => Convolution(h, new Conv2dShape(16, 3, 32, 32, 32, 3, 3, 1, 1))),
        ("conv resnet 3x3 s2", h => Convolution(h, new Conv2dShape(16, 32, 32, 32, 64, 3, 3, 2, 1))),
        ("conv resnet 1x1 s2 projection", h => Convolution(h, new Conv2dShape(16, 32, 32, 32, 64, 1, 1, 2, 0))),
        ("conv odd", h => Convolution(h, new Conv2dShape(3, 5, 11, 9, 7, 3, 3, 2, 1))),
        ("relu", h => Relu(h, 32L * 32 * 26 * 26)),
        ("relu odd", h => Relu(h, 1001)),
        ("relu rows+tail", h => Relu(h, 100_003)),
        ("maxpool 2/2", h => MaxPool(h, new Pool2dShape(32, 32, 26, 26, 2, 2))),
        ("maxpool 2/2 odd", h => MaxPool(h, new Pool2dShape(4, 64, 11, 11, 2, 2))),
        ("maxpool 3/2 overlapping", h => MaxPool(h, new Pool2dShape(8, 16, 9, 9, 3, 2))),
        ("nan propagation", NanPropagation),
        ("softmax-ce B128", h => SoftmaxCrossEntropy(h, 128, 10)),
        ("softmax-ce odd", h => SoftmaxCrossEntropy(h, 7, 13)),
        ("sgd momentum+wd", h => Sgd(h, 100_003, new SgdHyperParameters(0.05f, 0.9f, 5e-4f))),
        ("sgd momentum", h => Sgd(h, 100_003, new SgdHyperParameters(0.05f, 0.9f, 0f))),
        ("sgd plain+wd", h => Sgd(h, 100_003, new SgdHyperParameters(0.05f, 0f, 1e-4f))),
        ("sgd plain", h => Sgd(h, 100_003, new SgdHyperParameters(0.05f, 0f, 0f))),
    ];
}
