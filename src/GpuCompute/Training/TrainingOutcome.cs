namespace CyclicActors.GpuCompute.Training;

/// <summary>What a finished run reports (the summary's measured figures).</summary>
public sealed record TrainingOutcome(
    float[] FinalParameters,
    float[][] FinalMomentum,
    int Steps,
    int Epochs,
    float FinalLoss,
    double WallSeconds,
    double SamplesPerSecond,
    long PeakActivationBytes)
{
    /// <summary>
    /// The outcome of <paramref name="steps"/> steps of <paramref name="globalBatch"/> samples each, with
    /// the epochs begun and the throughput derived the same way for every trainer, so that their summaries compare.
    /// </summary>
    public static TrainingOutcome AfterSteps(
        float[] finalParameters,
        float[][] finalMomentum,
        int steps,
        int stepsPerEpoch,
        float finalLoss,
        double wallSeconds,
        int globalBatch,
        long peakActivationBytes,
        int firstStep = 0) =>
        new(finalParameters,
            finalMomentum,
            steps,
            (steps + stepsPerEpoch - 1) / stepsPerEpoch,
            finalLoss,
            wallSeconds,
            // A resumed run trained only the steps after its first: its throughput counts those.
            (double)(steps - firstStep) * globalBatch / Math.Max(wallSeconds, 1e-9),
            peakActivationBytes);
}
