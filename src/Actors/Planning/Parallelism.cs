namespace CyclicActors.Actors.Planning;

/// <summary>
/// Where the model and its states live during a run (docs/placements.md): the three settings of
/// the paper, run by the same schedule, so each rule reads the same versions in all three and the
/// results are bitwise equal.
/// </summary>
public enum Parallelism
{
    /// <summary>Every worker keeps a full replica; each stage's reducer broadcasts every new version to all workers.</summary>
    Data,

    /// <summary>
    /// One stage device per group of stages (<see cref="Schedule.ModelPlacement"/>): the single copy of
    /// its stages' parameters and optimizer state; every micro-batch's forward and backward of those
    /// stages run there, activations and their gradients pass device to device.
    /// </summary>
    Model,

    /// <summary>
    /// Workers keep a stage's parameters only from its forward to its backward; each version travels
    /// from the stage's owner to its first reader and then worker to worker (<see cref="Schedule.ZeroBatonPlan"/>).
    /// </summary>
    Zero,
}

/// <summary>CLI spellings of <see cref="Parallelism"/>: data|model|zero.</summary>
public static class ParallelismNames
{
    public static Parallelism Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "data" => Parallelism.Data,
            "model" => Parallelism.Model,
            "zero" => Parallelism.Zero,
            _ => throw new ArgumentException($"Unknown parallelism '{text}'; valid values: data, model, zero.", nameof(text)),
        };
    }

    public static string ToCliName(this Parallelism parallelism) => parallelism switch
    {
        Parallelism.Data => "data",
        Parallelism.Model => "model",
        Parallelism.Zero => "zero",
        _ => throw new ArgumentOutOfRangeException(nameof(parallelism), parallelism, "Unknown parallelism."),
    };
}
