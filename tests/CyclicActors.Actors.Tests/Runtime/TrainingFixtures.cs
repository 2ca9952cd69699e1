using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Simulation;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>Small models, data and the two oracles (reference trainer, delayed-gradient simulation).</summary>
internal static class TrainingFixtures
{
    public static readonly Shape3 MnistShape = new(1, 28, 28);

    /// <summary>Small images for the cnn tests: 12x12 keeps the convolutions cheap (12 → 10 → 5 → 3 → 1).</summary>
    public static readonly Shape3 SmallImageShape = new(1, 12, 12);

    public static Dataset Synthetic(int count, ulong seed = 7) => SyntheticDataset.Create(MnistShape, 10, count, seed);

    /// <summary>
    /// A one-stage plan whose only parameters are <paramref name="stage"/>: a real plan (what the
    /// reducer does not read needs to exist) with the schedule, stage and optimizer a reducer does read.
    /// </summary>
    public static TrainingPlan OneStagePlan(int workers, float[] stage, TrainingConfig config, DelayCompensation compensation)
    {
        var data = Synthetic(16);
        var options = new ActorTrainingOptions { Training = Config("mlp", workers: 1, steps: 1, stages: 1), Rule = UpdateRule.Dp };
        var (_, _, initial) = Build(options.Training, data);
        var plan = TrainingPlan.Create(options, data, initial);
        // The reducer reads the compensation only to publish the momentum with the parameters.
        return plan with
        {
            Options = options with { Training = config, Compensation = compensation },
            Schedule = CdpSchedule.Create(workers, 1, UpdateRule.Dp),
            InitialStageParameters = [stage],
            TotalSteps = 100,
        };
    }

    /// <summary>Synthetic data sized for <paramref name="model"/>: MNIST-shaped for the MLPs, 12x12 for the cnn.</summary>
    public static Dataset SyntheticFor(string model, int count) =>
        SyntheticDataset.Create(model == "cnn" ? SmallImageShape : MnistShape, 10, count, 7);

    /// <summary>A data set whose samples are all the same image with the same label: every micro-batch has the same gradient.</summary>
    public static Dataset IdenticalSamples(int count)
    {
        var one = Synthetic(1, seed: 11);
        var pixels = new float[count * one.SampleElements];
        for (int i = 0; i < count; i++)
        {
            one.Sample(0).CopyTo(pixels.AsSpan(i * one.SampleElements));
        }

        return Dataset.FromArrays("identical", MnistShape, 10, pixels, Enumerable.Repeat(one.Label(0), count).ToArray(), "identical-samples");
    }

    public static TrainingConfig Config(string model, int workers, int steps, int microBatch = 4, int stages = 4, string partition = "flops") => new()
    {
        Model = model,
        Stages = stages,
        Partition = partition,
        Workers = workers,
        MicroBatch = microBatch,
        Epochs = 100,
        MaxSteps = steps,
        LearningRate = 0.05f,
        Momentum = 0.9f,
        WeightDecay = 1e-3f,
        Seed = 3,
    };

    public static (ModelDefinition Model, StagePartition Partition, float[] Initial) Build(TrainingConfig config, Dataset data)
    {
        var model = ModelPresets.Create(config.Model, data.SampleShape, data.ClassCount);
        var partition = Partitioner.Partition(model, config.Stages, config.Partition);
        var initial = ParameterInitializer.Initialize(model, new ParameterLayout(model, partition), config.Seed);
        return (model, partition, initial);
    }

    public static IMicroBatchSource Source(TrainingConfig config, Dataset data) =>
        new DatasetMicroBatchSource(data, new DataOrder(config.Seed, data.Count, config.MicroBatch, config.Workers));

    public static TrainingOutcome Reference(TrainingConfig config, Dataset data)
    {
        var (model, partition, initial) = Build(config, data);
        using var backend = new CpuBackend();
        return new ReferenceTrainer(config, model, partition, backend).Train(Source(config, data), initial);
    }

    /// <summary>
    /// A cluster spec's cnn run on 64 synthetic samples (3 steps): its data, initial parameters and options
    /// (the config in them), and the one-process outcome it must equal bitwise (sequential SGD under DP, the
    /// delayed-gradient simulation under a CDP rule).
    /// </summary>
    public static CnnClusterCase CnnCluster(int workers, UpdateRule rule)
    {
        var config = Config("cnn", workers, steps: 3);
        var data = SyntheticFor("cnn", 64);
        var (_, _, initial) = Build(config, data);
        var expected = rule == UpdateRule.Dp ? Reference(config, data) : Simulate(config, data, rule);
        return new CnnClusterCase(data, initial, new ActorTrainingOptions { Training = config, Rule = rule }, expected);
    }

    public static TrainingOutcome Simulate(TrainingConfig config, Dataset data, UpdateRule rule, DelayCompensation compensation = DelayCompensation.None, V2FreshnessRule freshness = V2FreshnessRule.Schedule)
    {
        var (model, partition, initial) = Build(config, data);
        using var backend = new CpuBackend();
        var schedule = CdpSchedule.Create(config.Workers, partition.StageCount, rule, freshness);
        return new DelayedGradientSimulation(config, model, partition, schedule, compensation, backend).Train(Source(config, data), initial, config.MaxSteps);
    }

    public static string Sha256(float[] values) => Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())));

    /// <summary>Asserts bitwise equality of parameters, momentum and final loss, with a readable first difference.</summary>
    public static void AssertBitwiseEqual(TrainingOutcome expected, TrainingOutcome actual)
    {
        Assert.Equal(expected.Steps, actual.Steps);
        AssertBits(expected.FinalParameters, actual.FinalParameters, "parameters");
        Assert.Equal(expected.FinalMomentum.Length, actual.FinalMomentum.Length);
        for (int stage = 0; stage < expected.FinalMomentum.Length; stage++)
        {
            AssertBits(expected.FinalMomentum[stage], actual.FinalMomentum[stage], $"momentum of stage {stage}");
        }

        Assert.Equal(BitConverter.SingleToInt32Bits(expected.FinalLoss), BitConverter.SingleToInt32Bits(actual.FinalLoss));
    }

    public static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what} differ first at index {i} of {expected.Length}: expected {expected[i]:R}, got {actual[i]:R}.");
            }
        }
    }
}

/// <summary>What <see cref="TrainingFixtures.CnnCluster"/> gives a cluster spec.</summary>
internal sealed record CnnClusterCase(Dataset Data, float[] Initial, ActorTrainingOptions Options, TrainingOutcome Expected);
