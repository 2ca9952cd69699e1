using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Planning;

/// <summary>Everything derived from the options before any actor starts (validation happens here).</summary>
public sealed record TrainingPlan(
    ActorTrainingOptions Options,
    Dataset Dataset,
    ModelDefinition Model,
    StagePartition Partition,
    CdpSchedule Schedule,
    DataOrder Order,
    int TotalSteps,
    float[][] InitialStageParameters,
    IReadOnlyList<long> PerStageActivationBytes)
{
    public TrainingConfig Config => Options.Training;

    public DelayCompensation Compensation => Options.Compensation;

    /// <summary>Which stages share a device under the model placement (<see cref="ModelPlacement.Plan"/>, capped by --devices).</summary>
    public ModelPlacement ModelPlacement => _modelPlacement ??= ModelPlacement.Plan(Schedule, Options.Devices);

    private ModelPlacement? _modelPlacement;

    /// <summary>The first step this run trains: 0, or the step of the cut it resumes from.</summary>
    public int FirstStep => Options.Resume?.Step ?? 0;

    /// <summary>Whether the update of folding <paramref name="step"/> (the one that makes θ_{step+1}) is skipped by every stage.</summary>
    public bool SkipsUpdateOf(int step) => Options.SkippedSteps.Contains(step);

    /// <summary>Whether the reducers take a cut at step boundary <paramref name="step"/> (never at the one the run starts from).</summary>
    public bool TakesCutAt(int step) =>
        step > FirstStep && ((Options.CutEvery > 0 && step % Options.CutEvery == 0) || (Options.FinalCut && step == TotalSteps)
            || (Options.EvaluateEvery > 0 && step % Options.EvaluateEvery == 0 && step < TotalSteps));

    /// <summary>Builds worker <c>rank</c>'s backend (called on the worker's own thread).</summary>
    public Func<int, MemoryLedger, IComputeBackend> WorkerBackends => Options.BackendFactory;

    /// <summary>Builds a stage reducer's backend.</summary>
    public Func<MemoryLedger, IComputeBackend> ReducerBackends => Options.ReducerBackendFactory;

    /// <summary>
    /// The pacing of the device that runs <paramref name="ranks"/>; in budget mode the budget is the
    /// schedule's predicted activation peak of those workers, so the real peak cannot exceed it.
    /// </summary>
    public DevicePacer CreatePacer(IReadOnlyList<int> ranks, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        // A node with no workers (reducers only) has nothing to pace and no activations to budget.
        var budget = Options.Pacing == PacingMode.Budget && ranks.Count > 0 ? Schedule.PredictedPeakActivationBytes(PerStageActivationBytes, TotalSteps, ranks) : long.MaxValue;
        return new DevicePacer(new PacingState(Schedule, ranks, TotalSteps, Options.Pacing, PerStageActivationBytes, budget, FirstStep), patience);
    }

    public static TrainingPlan Create(ActorTrainingOptions options, Dataset train, float[] initialParameters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(initialParameters);
        var config = options.Training;
        config.Validate();
        var model = ModelPresets.Create(config, train.SampleShape, train.ClassCount);
        var partition = Partitioner.Partition(model, config.Stages, config.Partition);
        var schedule = CdpSchedule.Create(config.Workers, partition.StageCount, options.Rule, options.Freshness);
        if (options.Compensation == DelayCompensation.Lookahead && options.Rule == UpdateRule.Dp)
        {
            throw new ArgumentException("Look-ahead compensation applies to the CDP rules only (cdp-v1, cdp-v2).");
        }

        if (options.Devices is not null && options.Parallelism != Parallelism.Model)
        {
            throw new ArgumentException($"--devices caps the model placement's devices; this run's parallelism is {options.Parallelism.ToCliName()}.");
        }

        if (options.ReducerShards < 1 || options.ReducerShards > Reduce.ReducerShards.MaxShards)
        {
            throw new ArgumentException($"--reducer-shards {options.ReducerShards}: give 1 (one reducer per stage) to {Reduce.ReducerShards.MaxShards}.");
        }

        if (options.ReducerShards > 1 && options.Parallelism != Parallelism.Data)
        {
            throw new ArgumentException($"--reducer-shards splits the stage reducers of --parallelism data; under {options.Parallelism.ToCliName()} each stage's master lives {(options.Parallelism == Parallelism.Model ? "on its stage device" : "with its ZeRO owner")}.");
        }

        if (options.Devices is < 1)
        {
            throw new ArgumentException($"--devices {options.Devices}: the model placement needs at least 1 device.");
        }

        var order = new DataOrder(config.Seed, train.Count, config.MicroBatch, config.Workers);
        int totalSteps = config.TotalSteps(order.StepsPerEpoch);
        var layout = new ParameterLayout(model, partition);
        if (initialParameters.Length != layout.TotalSize)
        {
            throw new ArgumentException($"The model has {layout.TotalSize} parameters; {initialParameters.Length} initial values were given.");
        }

        options.Resume?.Validate(schedule, layout.StageSizes, options.Compensation, totalSteps);
        if (options.EvaluateEvery < 0)
        {
            throw new ArgumentException($"Evaluations every {options.EvaluateEvery} steps: give a positive number of steps, or 0 for none.");
        }

        if (options.CutEvery < 0)
        {
            throw new ArgumentException($"Cuts every {options.CutEvery} steps: give a positive number of steps, or 0 for none.");
        }

        var stages = new float[partition.StageCount][];
        long offset = 0;
        for (int stage = 0; stage < stages.Length; stage++)
        {
            stages[stage] = initialParameters.AsSpan((int)offset, (int)layout.StageSizes[stage]).ToArray();
            offset += layout.StageSizes[stage];
        }

        return new TrainingPlan(options, train, model, partition, schedule, order, totalSteps, stages, StageActivationBytes(model, partition, config.MicroBatch));
    }

    /// <summary>a_j: the bytes of stored activations stage j keeps per micro-batch of <paramref name="batch"/> samples.</summary>
    public static long[] StageActivationBytes(ModelDefinition model, StagePartition partition, int batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        return [.. Enumerable.Range(0, partition.StageCount)
            .Select(stage => model.Layers.Take(partition.LayerRange(stage)).Sum(layer => layer.StoredActivationsPerSample) * sizeof(float) * batch)];
    }
}
