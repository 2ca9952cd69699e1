using System.Globalization;
using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Models;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Reporting;

namespace CyclicActors.Host.Commands;

/// <summary>`cyclic evaluate`: test accuracy of a saved checkpoint on a data directory's test split.</summary>
internal static class EvaluateCommand
{
    public const string Summary = "accuracy of a checkpoint on the test split of a data directory";

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("checkpoint", "DIR", "a checkpoint directory written by train --save, or a series written with --checkpoint-every (its newest checkpoint that loads)"),
        new("data", "DIR", "directory with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] (or CIFAR-10 test_batch.bin)", "data/mnist (bundled)"),
        new("summary", "FILE", "write {accuracy, samples, ...} as JSON"),
        new("help", null, "show this help"),
    ];

    public static int Run(ParsedOptions options)
    {
        string checkpointDirectory = options.String("checkpoint") ?? throw new UsageException("--checkpoint DIR is required");
        if (string.IsNullOrWhiteSpace(checkpointDirectory))
        {
            throw new UsageException("--checkpoint needs a directory path; got ''");
        }

        string dataDirectory = DataLocator.Resolve(options.String("data"));
        if (options.String("summary") is { } summaryPath)
        {
            OutputPaths.CheckFile("summary", summaryPath);
        }

        var testSet = DataLocator.Load(dataDirectory, train: false);
        checkpointDirectory = CheckpointSeries.Resolve(checkpointDirectory, problem => Console.Error.WriteLine($"cyclic: passed over {problem}"));

        // The manifest says which model to rebuild; the tensors are then loaded against that model, so a
        // missing or misshapen tensor is reported on the file that holds it.
        var metadata = CheckpointStore.ReadMetadata(checkpointDirectory);
        ModelDefinition model;
        StagePartition partition;
        try
        {
            model = ModelPresets.SpecOf(metadata.ModelName, metadata.ModelLayers).Build(testSet.SampleShape, testSet.ClassCount);
            partition = new StagePartition(metadata.Partition, model.Layers.Count);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(checkpointDirectory, $"does not describe a model for {testSet.SampleShape} inputs: {e.Message}");
        }

        var layout = new ParameterLayout(model, partition);
        var checkpoint = CheckpointStore.Load(checkpointDirectory, ModelTensors.Expected(layout));
        if (checkpoint.Weights.Values.FirstOrDefault(tensor => tensor.Data.Any(value => !float.IsFinite(value))) is { } diverged)
        {
            int count = diverged.Data.Count(value => !float.IsFinite(value));
            throw new CheckpointFormatException(Path.Combine(checkpointDirectory, CheckpointStore.ModelFile),
                $"tensor '{diverged.Name}' holds {count:N0} non-finite values (NaN or infinity): the run that wrote it diverged, and its accuracy would mean nothing");
        }

        var parameters = ModelTensors.ToFlat(layout, checkpoint.Weights);

        using var backend = new CpuBackend();
        double accuracy = TrainCommand.TestAccuracy(model, partition, backend, parameters, testSet);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{metadata.ModelName} at step {metadata.Step} ({metadata.UpdateRule}): test accuracy {accuracy:P2} on {testSet.Count} samples of {testSet.Name}"));
        if (options.String("summary") is { } summaryFile)
        {
            JsonOutput.WriteSummary(summaryFile, new Dictionary<string, object?>
            {
                ["model"] = metadata.ModelName,
                ["checkpoint"] = Path.GetFullPath(checkpointDirectory),
                ["step"] = metadata.Step,
                ["rule"] = metadata.UpdateRule,
                ["data"] = testSet.Name,
                ["accuracy"] = accuracy,
                ["samples"] = testSet.Count,
                ["parameter_sha256"] = ParameterHash.Sha256(parameters),
                ["backend"] = backend.Name,
            });
        }

        return 0;
    }
}
