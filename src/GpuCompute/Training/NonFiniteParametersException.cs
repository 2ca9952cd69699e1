namespace CyclicActors.GpuCompute.Training;

/// <summary>
/// An optimizer update made a stage's parameters NaN or infinite (from finite gradients: the step was
/// too large). Caught by the stage's reducer before it published or took a cut of that version.
/// </summary>
public sealed class NonFiniteParametersException(int step, int stage, int stages)
    : Exception($"The update of step {step} made the parameters of stage {stage + 1} of {stages} NaN or infinite; training stopped before publishing them, so no checkpoint holds them (try a lower --lr or --momentum).")
{
    public int Step { get; } = step;

    /// <summary>0-based.</summary>
    public int Stage { get; } = stage;
}
