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
    long PeakActivationBytes);
