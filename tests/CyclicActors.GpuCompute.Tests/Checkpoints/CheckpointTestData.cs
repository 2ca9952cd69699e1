using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Data;

namespace CyclicActors.GpuCompute.Tests.Checkpoints;

/// <summary>A small two-stage model's tensors and metadata for the checkpoint tests.</summary>
internal static class CheckpointTestData
{
    public static readonly TensorSpec[] Model =
    [
        new("conv1.weight", [4, 1, 3, 3]),
        new("conv1.bias", [4]),
        new("fc.weight", [10, 16]),
        new("fc.bias", [10]),
    ];

    public static IReadOnlyList<NamedTensor> Tensors(float offset) =>
        [.. Model.Select((spec, t) => new NamedTensor(spec.Name, spec.Shape, [.. Enumerable.Range(0, (int)spec.Elements).Select(i => offset + (t * 1000) + (i * 0.5f))]))];

    public static CheckpointMetadata Metadata(long step) => new()
    {
        ModelName = "tiny-cnn",
        Partition = [2, 2],
        Step = step,
        DataPosition = new DataPosition(3, 17),
        Seed = ulong.MaxValue - 5,
        DatasetFingerprint = new string('a', 64),
        HyperParameters = new TrainingHyperParameters(0.05f, 0.9f, 5e-4f, 32, 4),
        UpdateRule = "cdp-v1",
        Optimizer = "sgd-momentum",
    };
}
