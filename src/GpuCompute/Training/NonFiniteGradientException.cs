namespace CyclicActors.GpuCompute.Training;

/// <summary>A NaN or infinite value in a worker's gradient, caught by the stage's reducer before it folded anything of that step.</summary>
public sealed class NonFiniteGradientException(int step, int rank, int stage, int stages)
    : Exception($"A NaN or infinite gradient reached the reducer of stage {stage + 1} of {stages} from worker {rank} at step {step}; training stopped before folding it, so no checkpoint holds it (try a lower --lr or --momentum).")
{
    public int Step { get; } = step;

    public int Rank { get; } = rank;

    /// <summary>0-based.</summary>
    public int Stage { get; } = stage;
}
