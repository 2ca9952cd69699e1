using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// What `train` and `seed` build before the first step, with every input checked first: the output
/// paths can be written, both data splits are read and describe one task, the model fits the images
/// and the global batch fits the training set. Whatever is wrong fails here, before any training.
/// </summary>
internal sealed record PreparedTraining(
    Dataset TrainSet, Dataset TestSet, ModelDefinition Model, StagePartition Partition, ParameterLayout Layout, float[] Initial, DataOrder Order)
{
    public static PreparedTraining From(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = options.Config;
        OutputPaths.Check(options);
        var (trainSet, testSet) = DataLocator.LoadSplits(options.DataDirectory);
        var model = CreateModel(config, trainSet, options.ModelFile is { } file ? (file, options.ModelInput) : null);
        var partition = PartitionModel(model, config);
        var layout = new ParameterLayout(model, partition);
        var initial = ParameterInitializer.Initialize(model, layout, config.Seed);
        if (config.GlobalBatch > trainSet.Count)
        {
            throw new UsageException($"a global batch of {config.GlobalBatch} ({config.Workers} workers x {config.MicroBatch}) is larger than the {trainSet.Count} training samples of {options.DataDirectory}");
        }

        var order = new DataOrder(config.Seed, trainSet.Count, config.MicroBatch, config.Workers);
        return new PreparedTraining(trainSet, testSet, model, partition, layout, initial, order);
    }

    /// <summary>The preset for the data's image shape and classes; images the model cannot take are a usage error naming both.</summary>
    /// <param name="modelFile">--model FILE: the file the layers came from, and the input shape it declares (if any), checked against the data.</param>
    public static ModelDefinition CreateModel(TrainingConfig config, Dataset data, (string Path, Shape3? Input)? modelFile = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        if (modelFile is { Input: { } declared } file && declared != data.SampleShape)
        {
            throw new UsageException($"--model {file.Path} declares input = {declared.Channels}x{declared.Height}x{declared.Width}, but the images of {data.Name} are {data.SampleShape.Channels}x{data.SampleShape.Height}x{data.SampleShape.Width}");
        }

        try
        {
            return ModelPresets.Create(config, data.SampleShape, data.ClassCount);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--model {modelFile?.Path ?? config.Model} cannot train on {data.Name}: {UsageException.From(e).Message}");
        }
    }

    public static StagePartition PartitionModel(ModelDefinition model, TrainingConfig config)
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
}
