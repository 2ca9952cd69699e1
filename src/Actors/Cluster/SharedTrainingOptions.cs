using System.Security.Cryptography;
using System.Runtime.InteropServices;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// The training options as they travel from the seed to the members, and the fingerprints a
/// member proves it trains the same thing with: the model (name, partition and the initial
/// parameters the seed's options produce, so another build or initializer shows) and its own data.
/// </summary>
public static class SharedTrainingOptions
{
    public static TrainingOptionsShared From(ActorTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var c = options.Training;
        return new TrainingOptionsShared(c.Model, c.Stages, c.Partition, c.Workers, c.MicroBatch, c.Epochs, c.MaxSteps,
            c.LearningRate, c.Momentum, c.WeightDecay, c.Seed, options.Rule.ToCliName(), options.Freshness.ToCliName(), options.Compensation.ToCliName(),
            c.LearningRateSchedule, Trace: options.TracePath is not null, options.Pacing.ToCliName(), options.CutEvery, options.FinalCut, options.Resume?.Step ?? 0,
            OnNonFinite: options.OnNonFinite.ToCliName()) { SkippedSteps = [.. options.SkippedSteps.Order()], Parallelism = options.Parallelism.ToCliName(), Devices = options.Devices ?? 0, EvaluateEvery = options.EvaluateEvery, ModelLayers = c.ModelLayers ?? "", ReducerShards = options.ReducerShards };
    }

    /// <exception cref="ArgumentException">A rule, freshness, compensation or pacing name this build does not know.</exception>
    public static ActorTrainingOptions ToOptions(TrainingOptionsShared shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        return new ActorTrainingOptions
        {
            Training = new TrainingConfig
            {
                Model = shared.Model,
                Stages = shared.Stages,
                Partition = shared.Partition,
                Workers = shared.Workers,
                MicroBatch = shared.MicroBatch,
                Epochs = shared.Epochs,
                MaxSteps = shared.MaxSteps,
                LearningRate = shared.LearningRate,
                Momentum = shared.Momentum,
                WeightDecay = shared.WeightDecay,
                Seed = shared.Seed,
                LearningRateSchedule = shared.LearningRateSchedule,
                ModelLayers = shared.ModelLayers.Length > 0 ? shared.ModelLayers : null,
            },
            Rule = UpdateRuleNames.ParseUpdateRule(shared.Rule),
            Freshness = UpdateRuleNames.ParseFreshnessRule(shared.Freshness),
            Compensation = DelayCompensationNames.Parse(shared.Compensation),
            Pacing = PacingModeNames.Parse(shared.Pacing),
            CutEvery = shared.CutEvery,
            FinalCut = shared.FinalCut,
            OnNonFinite = NonFiniteActionNames.Parse(shared.OnNonFinite),
            SkippedSteps = new HashSet<int>(shared.SkippedSteps),
            Parallelism = ParallelismNames.Parse(shared.Parallelism),
            Devices = shared.Devices > 0 ? shared.Devices : null,
            EvaluateEvery = shared.EvaluateEvery,
            ReducerShards = shared.ReducerShards,
        };
    }

    /// <summary>The model and its initial parameters from the options, and this node's fingerprints.</summary>
    public static (TrainingIdentity Identity, float[] InitialParameters) Identify(TrainingConfig config, Dataset train)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(train);
        var model = ModelPresets.Create(config, train.SampleShape, train.ClassCount);
        var partition = Partitioner.Partition(model, config.Stages, config.Partition);
        var layout = new ParameterLayout(model, partition);
        var initial = ParameterInitializer.Initialize(model, layout, config.Seed);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{model.Name}|{partition}|{string.Join(',', layout.StageSizes)}|"));
        hash.AppendData(MemoryMarshal.AsBytes(initial.AsSpan()));
        var identity = new TrainingIdentity(Convert.ToHexStringLower(hash.GetHashAndReset()), train.Fingerprint, train.Count);
        return (identity, initial);
    }
}
