namespace CyclicActors.GpuCompute.Training;

/// <summary>Training stopped because the loss became NaN or infinite (the learning rate is usually too high).</summary>
public sealed class NonFiniteLossException(int step, float loss)
    : Exception($"The loss became {loss} at step {step}; training stopped (try a lower --lr or --momentum).")
{
    public int Step { get; } = step;
}
