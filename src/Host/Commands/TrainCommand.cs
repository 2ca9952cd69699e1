using System.Globalization;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Reporting;

namespace CyclicActors.Host.Commands;

/// <summary>`cyclic train`: trains on a data directory, reports test accuracy, writes the requested files.</summary>
internal static class TrainCommand
{
    public const string Summary = "train a model (defaults: cnn on the bundled MNIST subset)";

    public static int Run(ParsedOptions parsed)
    {
        var options = TrainOptions.From(parsed);
        var config = options.Config;
        var trainSet = DataLocator.Load(options.DataDirectory, train: true);
        var testSet = DataLocator.Load(options.DataDirectory, train: false);
        var model = ModelPresets.Create(config.Model, trainSet.SampleShape, trainSet.ClassCount);
        var partition = PartitionOrThrow(model, config);
        var layout = new ParameterLayout(model, partition);
        var initial = ParameterInitializer.Initialize(model, layout, config.Seed);
        var order = new DataOrder(config.Seed, trainSet.Count, config.MicroBatch, config.Workers);
        if (order.StepsPerEpoch == 0)
        {
            throw new UsageException($"a global batch of {config.GlobalBatch} ({config.Workers} workers x {config.MicroBatch}) is larger than the {trainSet.Count} training samples");
        }

        var source = new DatasetMicroBatchSource(trainSet, order);
        var (backend, backendLine) = BackendFactory.Create(options.Backend);
        using var backendScope = backend;
        Console.WriteLine(backendLine);
        var trainer = new ReferenceTrainer(config, model, partition, backend);
        int totalSteps = trainer.TotalSteps(order.StepsPerEpoch);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train {model.Name} ({model.ParameterCount:N0} parameters, stages {partition}) on {trainSet}; engine {options.Engine}, rule dp, {config.Workers} x {config.MicroBatch} per step, lr {config.LearningRate} ({config.LearningRateSchedule}), momentum {config.Momentum}, weight decay {config.WeightDecay}, seed {config.Seed}, backend {backend.Name}"));

        using var metrics = options.MetricsFile is null ? null : new MetricsWriter(options.MetricsFile);
        var progress = new ProgressReporter(options.Quiet ? false : null);
        var outcome = progress.Run($"{model.Name} dp", totalSteps, report => trainer.Train(source, initial, m =>
        {
            if (!options.Quiet)
            {
                report(m);
            }

            metrics?.Write(m);
        }));

        double accuracy = TestAccuracy(model, partition, backend, outcome.FinalParameters, testSet);
        string hash = ParameterHash.Sha256(outcome.FinalParameters);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test accuracy {accuracy:P2} on {testSet.Count} samples; final loss {outcome.FinalLoss:F4}; {outcome.Steps} steps in {outcome.WallSeconds:F1} s ({outcome.SamplesPerSecond:F0} samples/s); peak activations {outcome.PeakActivationBytes:N0} bytes; parameters sha256 {hash}"));

        if (options.SaveDirectory is not null)
        {
            CheckpointWriter.Save(options.SaveDirectory, layout, partition, config, "dp", order, trainSet, outcome);
            Console.WriteLine($"checkpoint written to {options.SaveDirectory}");
        }

        if (options.SummaryFile is not null)
        {
            JsonOutput.WriteSummary(options.SummaryFile, new Dictionary<string, object?>
            {
                ["model"] = model.Name,
                ["rule"] = "dp",
                ["engine"] = options.Engine,
                ["workers"] = config.Workers,
                ["stages"] = partition.StageCount,
                ["partition"] = partition.ToString(),
                ["micro_batch"] = config.MicroBatch,
                ["epochs"] = outcome.Epochs,
                ["steps"] = outcome.Steps,
                ["lr"] = config.LearningRate,
                ["lr_schedule"] = config.LearningRateSchedule,
                ["momentum"] = config.Momentum,
                ["weight_decay"] = config.WeightDecay,
                ["seed"] = config.Seed,
                ["backend"] = backend.Name,
                ["data"] = trainSet.Name,
                ["data_sha256"] = trainSet.Fingerprint,
                ["test_accuracy"] = accuracy,
                ["test_samples"] = testSet.Count,
                ["final_loss"] = outcome.FinalLoss,
                ["samples_per_second"] = outcome.SamplesPerSecond,
                ["wall_seconds"] = outcome.WallSeconds,
                ["peak_activation_bytes"] = outcome.PeakActivationBytes,
                ["parameter_sha256"] = hash,
            });
        }

        return 0;
    }

    public static StagePartition PartitionOrThrow(ModelDefinition model, TrainingConfig config)
    {
        try
        {
            return Partitioner.Partition(model, config.Stages, config.Partition);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--partition/--stages: {UsageException.From(e).Message}");
        }
    }

    public static double TestAccuracy(ModelDefinition model, StagePartition partition, IComputeBackend backend, float[] parameters, Dataset testSet)
    {
        using var replica = new ModelReplica(model, partition, backend);
        replica.SetAllParameters(parameters);
        var (correct, total) = Evaluator.CountCorrect(replica, testSet.Pixels, testSet.Labels);
        return (double)correct / total;
    }
}
