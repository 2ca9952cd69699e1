namespace CyclicActors.GpuCompute.Training;

/// <summary>Everything that determines a training run's arithmetic (not where or how fast it runs).</summary>
public sealed record TrainingConfig
{
    public string Model { get; init; } = "cnn";

    /// <summary>
    /// A model from a file (--model FILE.conf): its layers' canonical text (<see cref="Models.ModelSpec.Text"/>),
    /// <see cref="Model"/> being its name; null for the preset named <see cref="Model"/>.
    /// </summary>
    public string? ModelLayers { get; init; }

    public int Stages { get; init; } = 4;

    /// <summary>flops | activations | params | explicit layer counts ("3,4,2,1").</summary>
    public string Partition { get; init; } = "flops";

    public int Workers { get; init; } = 4;

    /// <summary>Samples per micro-batch (one micro-batch per worker per step).</summary>
    public int MicroBatch { get; init; } = 8;

    public int Epochs { get; init; } = 3;

    /// <summary>Stop after this many steps in total (0: run all epochs).</summary>
    public int MaxSteps { get; init; }

    public float LearningRate { get; init; } = 0.05f;

    public float Momentum { get; init; } = 0.9f;

    public float WeightDecay { get; init; }

    public ulong Seed { get; init; } = 1;

    /// <summary>constant | cosine (decays from lr to 0 over the run's steps, half a cosine wave).</summary>
    public string LearningRateSchedule { get; init; } = "cosine";

    public SgdHyperParameters Sgd => new(LearningRate, Momentum, WeightDecay);

    /// <summary>The SGD hyper-parameters for the update made with step <paramref name="step"/>'s gradient.</summary>
    public SgdHyperParameters SgdAt(int step, int totalSteps) =>
        Sgd with { LearningRate = LearningRateAt(step, totalSteps) };

    public float LearningRateAt(int step, int totalSteps) => LearningRateSchedule switch
    {
        "constant" => LearningRate,
        "cosine" => (float)(LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / Math.Max(totalSteps, 1)))),
        _ => throw new ArgumentException($"Unknown learning-rate schedule '{LearningRateSchedule}'. Valid: constant, cosine."),
    };

    public int GlobalBatch => Workers * MicroBatch;

    /// <summary>Steps the run makes: every epoch, capped by <see cref="MaxSteps"/> when that is set.</summary>
    public int TotalSteps(int stepsPerEpoch)
    {
        int all = stepsPerEpoch * Epochs;
        return MaxSteps > 0 ? Math.Min(all, MaxSteps) : all;
    }

    public void Validate()
    {
        Require(Stages >= 1, "stages must be at least 1");
        Require(Workers >= 1, "workers must be at least 1");
        Require(MicroBatch >= 1, "batch must be at least 1");
        Require(Epochs >= 1, "epochs must be at least 1");
        Require(MaxSteps >= 0, "steps must not be negative");
        Require(float.IsFinite(LearningRate) && LearningRate > 0, "lr must be a positive number");
        Require(float.IsFinite(Momentum) && Momentum is >= 0 and < 1, "momentum must be in [0, 1)");
        Require(float.IsFinite(WeightDecay) && WeightDecay >= 0, "weight-decay must be a non-negative number");
        Require(LearningRateSchedule is "constant" or "cosine", "lr-schedule must be constant or cosine");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
