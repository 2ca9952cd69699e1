namespace CyclicActors.GpuCompute.Training;

/// <summary>One line of the metrics file: what happened in one optimizer step.</summary>
/// <param name="ReservedBytes">What the device's memory pool held at the step's end (a caching pool only grows while training, so this is also the step's high-water); null where no pool is reported.</param>
public sealed record StepMetrics(
    int Step,
    int Epoch,
    int StepInEpoch,
    int StepsPerEpoch,
    int TotalSteps,
    float Loss,
    double SamplesPerSecond,
    long PeakActivationBytesInStep,
    double ElapsedSeconds,
    long? ReservedBytes = null);
