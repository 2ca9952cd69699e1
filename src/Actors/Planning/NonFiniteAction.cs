using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Planning;

/// <summary>What a NaN or infinite loss, gradient or update does to a run (--on-nonfinite).</summary>
public enum NonFiniteAction
{
    /// <summary>The run stops naming the step (and worker and stage); checkpoints before it are kept.</summary>
    Stop,

    /// <summary>
    /// The run rolls back to its newest cut and trains again with that step skipped by every stage:
    /// no stage applies its update (θ and momentum stay as they were, the versions still advance).
    /// </summary>
    Skip,
}

/// <summary>CLI names of <see cref="NonFiniteAction"/>, and which step a non-finite failure names.</summary>
public static class NonFiniteActionNames
{
    public static string ToCliName(this NonFiniteAction action) => action == NonFiniteAction.Skip ? "skip" : "stop";

    /// <exception cref="ArgumentException">Neither stop nor skip.</exception>
    public static NonFiniteAction Parse(string name) => name switch
    {
        "stop" => NonFiniteAction.Stop,
        "skip" => NonFiniteAction.Skip,
        _ => throw new ArgumentException($"--on-nonfinite must be stop or skip; got '{name}'."),
    };

    /// <summary>The step a non-finite loss, gradient or update was caught at, or null for any other failure.</summary>
    public static int? StepOf(Exception error) => error switch
    {
        NonFiniteGradientException e => e.Step,
        NonFiniteParametersException e => e.Step,
        NonFiniteLossException e => e.Step,
        AggregateException { InnerExceptions.Count: 1 } e => StepOf(e.InnerExceptions[0]),
        _ => null,
    };
}
