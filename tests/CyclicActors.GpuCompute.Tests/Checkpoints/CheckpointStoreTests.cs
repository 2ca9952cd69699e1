using System.Text.Json;
using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Data;
using CyclicActors.Tests.Shared;
using Xunit;

namespace CyclicActors.GpuCompute.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Target => _temp.Combine("checkpoint");

    private string ModelPath => Path.Combine(Target, CheckpointStore.ModelFile);

    [Fact]
    public void Round_trip_restores_metadata_weights_and_momentum()
    {
        var weights = CheckpointTestData.Tensors(1f);
        var momentum = CheckpointTestData.Tensors(-7f);
        var metadata = CheckpointTestData.Metadata(step: 42);

        CheckpointStore.Save(Target, metadata, weights, momentum);
        var loaded = CheckpointStore.Load(Target, CheckpointTestData.Model);

        Assert.True(metadata.SameAs(loaded.Metadata), $"{metadata} != {loaded.Metadata}");
        Assert.Equal(2, loaded.Metadata.Stages);
        Assert.Equal(3, loaded.Metadata.Epoch);
        foreach (var (expected, buffer) in weights.Zip(momentum))
        {
            Assert.Equal(expected.Data, loaded.Weights[expected.Name].Data);
            Assert.Equal(expected.Shape, loaded.Weights[expected.Name].Shape);
            Assert.Equal(buffer.Data, loaded.Momentum[buffer.Name].Data);
        }

        Assert.Equal(
            [CheckpointStore.ManifestFile, CheckpointStore.ModelFile, CheckpointStore.OptimizerFile],
            Directory.GetFiles(Target).Select(Path.GetFileName).Order());
        Assert.Equal(CheckpointTestData.Model.Select(s => CheckpointStore.MomentumPrefix + s.Name).Order(),
            SafeTensorsFile.Read(Path.Combine(Target, CheckpointStore.OptimizerFile)).Keys.Order());
    }

    [Fact]
    public void Manifest_is_documented_json()
    {
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(step: 5), CheckpointTestData.Tensors(0f), CheckpointTestData.Tensors(1f));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Target, CheckpointStore.ManifestFile)));
        var root = json.RootElement;

        Assert.Equal(2, root.GetProperty("formatVersion").GetInt32());
        var metadata = root.GetProperty("metadata");
        Assert.Equal("tiny-cnn", metadata.GetProperty("modelName").GetString());
        Assert.Equal(2, metadata.GetProperty("stages").GetInt32());
        Assert.Equal(17, metadata.GetProperty("dataPosition").GetProperty("stepInEpoch").GetInt32());
        Assert.Equal(0.05, metadata.GetProperty("hyperParameters").GetProperty("learningRate").GetDouble(), 6);
        Assert.Equal("momentum.", root.GetProperty("momentumTensorPrefix").GetString());
        var model = root.GetProperty("files").GetProperty("model.safetensors");
        Assert.Matches("^[0-9a-f]{64}$", model.GetProperty("sha256").GetString());
        Assert.Equal(new FileInfo(ModelPath).Length, model.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public void Without_momentum_there_is_no_optimizer_file()
    {
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(step: 1), CheckpointTestData.Tensors(0f), momentum: null);
        var loaded = CheckpointStore.Load(Target, CheckpointTestData.Model);

        Assert.Empty(loaded.Momentum);
        Assert.False(File.Exists(Path.Combine(Target, CheckpointStore.OptimizerFile)));
    }

    [Fact]
    public void Saving_again_replaces_the_checkpoint_and_leaves_no_siblings()
    {
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(step: 1), CheckpointTestData.Tensors(0f), CheckpointTestData.Tensors(1f));
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(step: 2), CheckpointTestData.Tensors(5f), CheckpointTestData.Tensors(6f));

        var loaded = CheckpointStore.Load(Target, CheckpointTestData.Model);
        Assert.Equal(2, loaded.Metadata.Step);
        Assert.Equal(5f, loaded.Weights["conv1.weight"].Data[0]);
        Assert.Equal([Target], Directory.GetDirectories(_temp.Path));
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(1), [.. CheckpointTestData.Tensors(0f).Take(3)], momentum: null);
        var error = LoadFails(ModelPath);
        Assert.Contains("missing tensor 'fc.bias' (the model expects shape [10])", error.Problem);
    }

    [Fact]
    public void Unexpected_tensor_is_named()
    {
        IReadOnlyList<NamedTensor> weights = [.. CheckpointTestData.Tensors(0f), new NamedTensor("extra.weight", [2], [1f, 2f])];
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(1), weights, momentum: null);
        var error = LoadFails(ModelPath);
        Assert.Contains("unexpected tensor 'extra.weight'", error.Problem);
    }

    [Fact]
    public void Shape_mismatch_is_named()
    {
        var weights = CheckpointTestData.Tensors(0f).ToArray();
        weights[2] = new NamedTensor("fc.weight", [16, 10], weights[2].Data);
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(1), weights, momentum: null);
        var error = LoadFails(ModelPath);
        Assert.Contains("tensor 'fc.weight' has shape [16, 10] but the model expects [10, 16]", error.Problem);
    }

    [Fact]
    public void Momentum_shape_mismatch_is_named()
    {
        var expected = CheckpointTestData.Model.ToArray();
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(1), CheckpointTestData.Tensors(0f), CheckpointTestData.Tensors(1f));
        expected[1] = new TensorSpec("conv1.bias", [5]);

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointStore.Load(Target, expected));
        Assert.Contains("tensor 'conv1.bias' has shape [4] but the model expects [5]", error.Problem);
    }

    [Fact]
    public void Hash_mismatch_is_reported()
    {
        Save();
        var bytes = File.ReadAllBytes(ModelPath);
        bytes[^1] ^= 0x01; // a flipped bit in the last float: the structure is intact, only the hash can tell
        File.WriteAllBytes(ModelPath, bytes);

        var error = LoadFails(ModelPath);
        Assert.Contains("hash mismatch", error.Problem);
    }

    [Fact]
    public void Truncated_tensor_file_is_reported()
    {
        Save();
        var bytes = File.ReadAllBytes(ModelPath);
        File.WriteAllBytes(ModelPath, bytes[..^10]);

        var error = LoadFails(ModelPath);
        Assert.Contains("extend beyond", error.Problem);
    }

    [Fact]
    public void Missing_optimizer_file_is_reported()
    {
        Save();
        var optimizerPath = Path.Combine(Target, CheckpointStore.OptimizerFile);
        File.Delete(optimizerPath);

        var error = LoadFails(optimizerPath);
        Assert.Contains("missing file (listed in checkpoint.json)", error.Problem);
    }

    [Fact]
    public void Missing_directory_and_manifest_are_reported()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointStore.Load(Target, CheckpointTestData.Model));
        Assert.Contains("checkpoint directory not found", error.Message);

        Directory.CreateDirectory(Target);
        LoadFails(Path.Combine(Target, CheckpointStore.ManifestFile));
    }

    [Theory]
    [InlineData("{ not json", "malformed JSON")]
    [InlineData("""{"formatVersion": 1}""", "malformed JSON")]
    public void Broken_manifest_is_reported(string content, string expectedProblem)
    {
        Save();
        var manifestPath = Path.Combine(Target, CheckpointStore.ManifestFile);
        File.WriteAllText(manifestPath, content);

        var error = LoadFails(manifestPath);
        Assert.Contains(expectedProblem, error.Problem);
    }

    [Theory]
    [InlineData("\"model.safetensors\": null")]
    [InlineData("\"model.safetensors\": {\"sha256\": null, \"bytes\": 1, \"tensors\": 1}")]
    public void A_null_file_entry_is_named(string entry)
    {
        Save();
        var manifestPath = Path.Combine(Target, CheckpointStore.ManifestFile);
        File.WriteAllText(manifestPath, "{\"formatVersion\": 1, \"metadata\": " + MetadataJson() + ", \"momentumTensorPrefix\": \"momentum.\", \"files\": {" + entry + "}}");

        var error = LoadFails(manifestPath);
        Assert.Contains("model.safetensors", error.Problem);
        Assert.Contains("null", error.Problem);
    }

    [Fact]
    public void A_tensor_missing_from_the_model_file_is_blamed_on_the_model_file_even_without_an_expected_model()
    {
        Save();
        CheckpointStore.Save(_temp.Combine("fewer"), CheckpointTestData.Metadata(1), [.. CheckpointTestData.Tensors(0f).Take(3)], momentum: null);
        File.Copy(_temp.Combine("fewer", CheckpointStore.ModelFile), ModelPath, overwrite: true);
        var manifestPath = Path.Combine(Target, CheckpointStore.ManifestFile);
        var fewerManifest = File.ReadAllText(_temp.Combine("fewer", CheckpointStore.ManifestFile));
        var model = System.Text.Json.Nodes.JsonNode.Parse(fewerManifest)!["files"]![CheckpointStore.ModelFile]!.ToJsonString();
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["files"]![CheckpointStore.ModelFile] = System.Text.Json.Nodes.JsonNode.Parse(model);
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        Assert.Equal(9, CheckpointStore.ReadMetadata(Target).Step);
        Assert.Contains("missing tensor 'fc.bias'", LoadFails(ModelPath).Problem);
        var withoutModel = Assert.Throws<CheckpointFormatException>(() => CheckpointStore.Load(Target, expectedTensors: null));
        Assert.Contains("unexpected tensor 'momentum.fc.bias' (not in model.safetensors)", withoutModel.Problem);
    }

    [Fact]
    public void A_fifo_manifest_is_refused_without_blocking()
    {
        Save();
        var manifestPath = Path.Combine(Target, CheckpointStore.ManifestFile);
        File.Delete(manifestPath);
        UnixFiles.MakeFifo(manifestPath);

        var load = Task.Run(() => CheckpointStore.ReadMetadata(Target));
        Assert.True(((IAsyncResult)load).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)), "opening the FIFO blocked, waiting for a writer");
        var error = Assert.IsType<CheckpointFormatException>(load.Exception?.InnerException);
        Assert.Contains("not a regular file", error.Problem);
    }

    [Fact]
    public void Future_format_version_is_refused()
    {
        Save();
        var manifestPath = Path.Combine(Target, CheckpointStore.ManifestFile);
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"formatVersion\": 2", "\"formatVersion\": 3", StringComparison.Ordinal));

        var error = LoadFails(manifestPath);
        Assert.Contains("unsupported format version 3", error.Problem);
    }

    [Fact]
    public void Invalid_arguments_are_refused_before_writing()
    {
        var metadata = CheckpointTestData.Metadata(1) with { Partition = [] };
        Assert.Throws<ArgumentException>(() => CheckpointStore.Save(Target, metadata, CheckpointTestData.Tensors(0f), null));
        var wrongMomentum = CheckpointTestData.Tensors(0f).Take(3).ToList();
        Assert.Throws<ArgumentException>(() => CheckpointStore.Save(Target, CheckpointTestData.Metadata(1), CheckpointTestData.Tensors(0f), wrongMomentum));
        Assert.False(Directory.Exists(Target));
        Assert.Empty(Directory.GetDirectories(_temp.Path));
    }

    private string MetadataJson() =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Target, CheckpointStore.ManifestFile)))!["metadata"]!.ToJsonString();

    private void Save() =>
        CheckpointStore.Save(Target, CheckpointTestData.Metadata(step: 9), CheckpointTestData.Tensors(0f), CheckpointTestData.Tensors(1f));

    private CheckpointFormatException LoadFails(string expectedPath)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointStore.Load(Target, CheckpointTestData.Model));
        Assert.Equal(expectedPath, error.Path);
        Assert.StartsWith(expectedPath + ": ", error.Message);
        return error;
    }
}
