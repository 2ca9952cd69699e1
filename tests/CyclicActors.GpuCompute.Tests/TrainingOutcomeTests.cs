using CyclicActors.GpuCompute.Training;
using Xunit;

namespace CyclicActors.GpuCompute.Tests;

public sealed class TrainingOutcomeTests
{
    [Fact]
    public void Epochs_count_the_ones_begun_and_throughput_is_samples_over_wall_time()
    {
        var outcome = TrainingOutcome.AfterSteps([1f], [[0f]], steps: 10, stepsPerEpoch: 4, finalLoss: 0.5f, wallSeconds: 2.0, globalBatch: 8, peakActivationBytes: 64);

        Assert.Equal((10, 3, 0.5f, 2.0, 40.0, 64L), (outcome.Steps, outcome.Epochs, outcome.FinalLoss, outcome.WallSeconds, outcome.SamplesPerSecond, outcome.PeakActivationBytes));
        Assert.Equal(2, TrainingOutcome.AfterSteps([], [], steps: 8, stepsPerEpoch: 4, 0f, wallSeconds: 1.0, globalBatch: 8, 0).Epochs);
        Assert.Equal(0, TrainingOutcome.AfterSteps([], [], steps: 0, stepsPerEpoch: 4, float.NaN, wallSeconds: 0.0, globalBatch: 8, 0).SamplesPerSecond);
    }
}
