using CyclicActors.GpuCompute.Models;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Commands;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// --model FILE.conf: the presets as files are the presets (same layers, same parameter_sha256), a
/// checkpoint remembers a file's layers so evaluate needs no flag, and a malformed file is one line
/// naming the file, the layer and the problem.
/// </summary>
public sealed class ModelFileTests
{
    private static string Preset(string name) => Path.Combine(CliRunner.RepositoryRoot(), "hocon", "models", name + ".conf");

    [Theory]
    [InlineData("mlp")]
    [InlineData("mlp-deep")]
    [InlineData("cnn")]
    [InlineData("resnet-mini")]
    public void Each_presets_file_holds_exactly_its_layers(string name)
    {
        var (spec, input) = ModelFile.Read(Preset(name));
        Assert.Equal(name, spec.Name);
        Assert.Null(input);
        Assert.Equal(ModelPresets.Spec(name).Text, spec.Text);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Training_from_the_file_gives_the_presets_parameters_and_its_checkpoint_evaluates_with_no_flag(string name)
    {
        string dir = CliRunner.TempDirectory();
        string[] common = ["train", "--steps", "3", "--data", CliRunner.BundledData, "--backend", "cpu", "--quiet", "--eval-every", "0"];
        var (presetCode, presetOut, presetError) = CliRunner.Run([.. common, "--model", name, "--summary", Path.Combine(dir, "preset.json")]);
        Assert.True(presetCode == 0, presetOut + presetError);
        string copy = Path.Combine(dir, "my-model.conf");
        File.Copy(Preset(name), copy);
        string saved = Path.Combine(dir, "saved");
        var (code, output, error) = CliRunner.Run([.. common, "--model", copy, "--summary", Path.Combine(dir, "file.json"), "--save", saved]);
        Assert.True(code == 0, output + error);
        Assert.Equal(CliRunner.ReadJson(Path.Combine(dir, "preset.json")).GetProperty("parameter_sha256").GetString(),
            CliRunner.ReadJson(Path.Combine(dir, "file.json")).GetProperty("parameter_sha256").GetString());

        // The checkpoint holds the layers: evaluate rebuilds the model from it, even with the file gone.
        File.Delete(copy);
        Assert.Contains("\"modelLayers\"", File.ReadAllText(Path.Combine(saved, "checkpoint.json")));
        var (evaluateCode, evaluated, evaluateError) = CliRunner.Run("evaluate", "--checkpoint", saved, "--data", CliRunner.BundledData);
        Assert.True(evaluateCode == 0, evaluated + evaluateError);
        Assert.Contains("test accuracy", evaluated);
    }

    [Theory]
    [InlineData("model { name = x }", "model.layers is missing")]
    [InlineData("model { layers = [] }", "model.layers is empty: a model needs at least one layer")]
    [InlineData("model { layers = { type = relu } }", "model.layers must be a list of layers")]
    [InlineData("model { layers = [ { type = conv3d, channels = 8, kernel = 3 } ] }", "layer 0: unknown type 'conv3d'; did you mean conv?")]
    [InlineData("model { layers = [ { type = flatten }, { channels = 8 } ] }", "layer 1 has no type (valid: conv, relu, max-pool, flatten, dense, residual)")]
    [InlineData("model { layers = [ { type = conv, channels = 32, kernal = 3 } ] }", "layer 0 (conv): unknown key kernal; did you mean kernel?")]
    [InlineData("model { layers = [ { type = conv, kernel = 3 } ] }", "layer 0 (conv): channels is missing")]
    [InlineData("model { layers = [ { type = flatten }, { type = dense, features = many } ] }", "layer 1 (dense): features must be a whole number or classes; got 'many'")]
    [InlineData("model { layers = [ { type = relu, size = 3 } ] }", "layer 0 (relu): unknown key size (a relu layer takes nothing but its type)")]
    [InlineData("model { layerz = [] }", "model.layerz is not a model setting (valid: name, input, layers); did you mean layers?")]
    [InlineData("model { input = 28x28, layers = [ { type = flatten } ] }", "model.input must look like 1x28x28")]
    [InlineData("model { layers = [ { type = flatten }, { type = dense, features = 10 } ", "is not valid HOCON")]
    [InlineData("model { layers = [ relu ] }", "layer 0 must be an object such as { type = relu }")]
    public void A_malformed_file_is_one_line_naming_the_file_the_layer_and_the_problem(string text, string message)
    {
        string file = Path.Combine(CliRunner.TempDirectory(), "bad-model.conf");
        File.WriteAllText(file, text);
        var e = Assert.Throws<UsageException>(() => ModelFile.Read(file));
        Assert.Contains($"--model {file}: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("{ type = conv, channels = 8, kernel = 40 }, { type = flatten }, { type = dense, features = classes }", "images are too small: layer 0 (conv 8 40 1 0) needs at least 40x40 pixels")]
    [InlineData("{ type = flatten }, { type = dense, features = 64 }", "ends in 64 outputs, but the data has 10 classes")]
    [InlineData("{ type = conv, channels = 8, kernel = 3 }, { type = residual, channels = 16, stride = 4 }, { type = flatten }, { type = dense, features = classes }", "layer 1 (residual 16 4): a stride of 4 does not divide its 26x26 input")]
    [InlineData("{ type = conv, channels = 0, kernel = 3 }, { type = flatten }, { type = dense, features = classes }", "layer 0 (conv 0 3 1 0): channels must be at least 1; got 0")]
    public void Shapes_that_do_not_chain_are_found_against_the_data_naming_the_layer(string layers, string message)
    {
        string file = Path.Combine(CliRunner.TempDirectory(), "shapes.conf");
        File.WriteAllText(file, $"model {{ layers = [ {layers} ] }}");
        var (code, _, error) = CliRunner.Run("train", "--model", file, "--steps", "1", "--data", CliRunner.BundledData, "--backend", "cpu");
        Assert.Equal(2, code);
        Assert.Contains($"--model {file} cannot train on", error);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void A_declared_input_must_be_the_datas()
    {
        string file = Path.Combine(CliRunner.TempDirectory(), "cifar.conf");
        File.WriteAllText(file, "model { input = 3x32x32, layers = [ { type = flatten }, { type = dense, features = classes } ] }");
        var (code, _, error) = CliRunner.Run("train", "--model", file, "--steps", "1", "--data", CliRunner.BundledData, "--backend", "cpu");
        Assert.Equal(2, code);
        Assert.Contains($"--model {file} declares input = 3x32x32, but the images of", error);
    }
}
