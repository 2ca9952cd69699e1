using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class SharedTrainingOptionsTests
{
    [Fact]
    public void Every_option_that_decides_the_arithmetic_reaches_the_members_unchanged()
    {
        var options = new ActorTrainingOptions
        {
            Training = new TrainingConfig
            {
                Model = "mlp", Stages = 3, Partition = "2,1,2", Workers = 6, MicroBatch = 5, Epochs = 7, MaxSteps = 11,
                LearningRate = 0.125f, Momentum = 0.5f, WeightDecay = 1e-4f, Seed = ulong.MaxValue, LearningRateSchedule = "constant",
                ModelLayers = "flatten | dense 64 | relu | dense classes",
            },
            Rule = UpdateRule.CdpV2,
            Freshness = V2FreshnessRule.PaperCode,
            Compensation = DelayCompensation.Lookahead,
            Parallelism = Parallelism.Model,
            Devices = 2,
            EvaluateEvery = 5,
        };

        var back = SharedTrainingOptions.ToOptions(SharedTrainingOptions.From(options));

        Assert.Equal(options.Training, back.Training);
        Assert.Equal((options.Rule, options.Freshness, options.Compensation), (back.Rule, back.Freshness, back.Compensation));
        Assert.Equal((options.Parallelism, options.Devices, options.EvaluateEvery), (back.Parallelism, back.Devices, back.EvaluateEvery));
        Assert.False(SharedTrainingOptions.From(options).Trace);
        Assert.True(SharedTrainingOptions.From(options with { TracePath = "trace.json" }).Trace);
        // A new TrainingConfig property must be added to TrainingOptionsShared (and to this test).
        Assert.Equal(13, typeof(TrainingConfig).GetProperties().Count(p => p.SetMethod is not null));
    }

    [Fact]
    public void Unknown_names_from_another_build_are_refused()
    {
        var shared = SharedTrainingOptions.From(new ActorTrainingOptions()) with { Rule = "cdp-v9" };
        Assert.Contains("cdp-v9", Assert.Throws<ArgumentException>(() => SharedTrainingOptions.ToOptions(shared)).Message);
    }

    [Fact]
    public void Fingerprints_tell_models_and_data_apart()
    {
        var config = TrainingFixtures.Config("cnn", workers: 2, steps: 1);
        var data = TrainingFixtures.SyntheticFor("cnn", 32);
        var (identity, initial) = SharedTrainingOptions.Identify(config, data);

        Assert.Equal(identity, SharedTrainingOptions.Identify(config, TrainingFixtures.SyntheticFor("cnn", 32)).Identity);
        Assert.NotEqual(identity.ModelFingerprint, SharedTrainingOptions.Identify(config with { Seed = 4 }, data).Identity.ModelFingerprint);
        Assert.NotEqual(identity.ModelFingerprint, SharedTrainingOptions.Identify(config with { Stages = 2 }, data).Identity.ModelFingerprint);
        Assert.NotEqual(identity.DataFingerprint, SharedTrainingOptions.Identify(config, SyntheticDataset.Create(TrainingFixtures.SmallImageShape, 10, 32, 8)).Identity.DataFingerprint);
        Assert.Equal(TrainingFixtures.Build(config, data).Initial, initial);
    }
}
