namespace CyclicActors.GpuCompute.Training;

/// <summary>One line of the metrics file: what happened in one optimizer step.</summary>
public sealed record StepMetrics(
    int Step,
    int Epoch,
    int StepInEpoch,
    int StepsPerEpoch,
    int TotalSteps,
    float Loss,
    double SamplesPerSecond,
    long PeakActivationBytesInStep,
    double ElapsedSeconds);
