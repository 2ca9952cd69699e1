using Xunit;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Commands;

namespace CyclicActors.Host.Tests;

/// <summary>Training options for `cyclic seed` from a cyclic-actors.training section in --config or --profile files.</summary>
public sealed class SeedConfigFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cyclic-seed-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_file_sets_training_options_the_command_line_overrides_and_a_later_file_wins()
    {
        var profile = Write("profile.conf", "cyclic-actors.training { model = mlp, workers = 8, lr = 0.5 }");
        var config = Write("run.conf", """
            cyclic-actors.training {
              workers = 2
              steps = 3
              rule = dp
              lr = 0.02
            }
            """);
        var parsed = ParsedOptions.Parse("seed", SeedCommand.Specs, ["--profile", profile, "--config", config, "--steps", "7"]);

        var options = TrainOptions.From(TrainingHocon.Apply(parsed));

        Assert.Equal("mlp", options.Config.Model);          // only the profile says it
        Assert.Equal(2, options.Config.Workers);            // --config over the profile
        Assert.Equal(0.02f, options.Config.LearningRate);
        Assert.Equal(7, options.Config.MaxSteps);           // the command line over both
        Assert.Equal(Actors.Schedule.UpdateRule.Dp, options.Rule);
        Assert.Equal(3, options.Config.Epochs);             // neither: the flag's default
    }

    [Fact]
    public void The_file_chooses_the_placement_and_its_device_cap()
    {
        var config = Write("model.conf", "cyclic-actors.training { parallelism = model, devices = 2 }");
        var parsed = ParsedOptions.Parse("seed", SeedCommand.Specs, ["--config", config]);

        var options = TrainOptions.From(TrainingHocon.Apply(parsed));

        Assert.Equal((Actors.Planning.Parallelism.Model, (int?)2), (options.Parallelism, options.Devices));
    }

    [Fact]
    public void Without_a_training_section_the_options_are_the_command_line_ones()
    {
        var config = Write("cluster-only.conf", "cyclic-actors.cluster.join-timeout = 30s");
        var parsed = ParsedOptions.Parse("seed", SeedCommand.Specs, ["--config", config, "--workers", "2"]);

        var options = TrainOptions.From(TrainingHocon.Apply(parsed));

        Assert.Equal((2, "cnn"), (options.Config.Workers, options.Config.Model));
    }

    [Theory]
    [InlineData("cyclic-actors.training { lr = fast }", "cyclic-actors.training.lr (in FILE) must be a number; got 'fast'")]
    [InlineData("cyclic-actors.training { workers = 0 }", "cyclic-actors.training.workers (in FILE) must be between 1 and 1024; got 0")]
    [InlineData("cyclic-actors.training { rule = fast }", "cyclic-actors.training.rule (in FILE): Unknown update rule 'fast'; valid values: dp, cdp-v1, cdp-v2")]
    [InlineData("cyclic-actors.training { parallelism = tensor }", "cyclic-actors.training.parallelism (in FILE): Unknown parallelism 'tensor'; valid values: data, model, zero")]
    [InlineData("cyclic-actors.training { parallelism = zero, devices = 2 }", "--devices caps the stage devices of --parallelism model; this run's parallelism is zero")]
    [InlineData("cyclic-actors.training { learning-rate = 0.1 }", "cyclic-actors.training.learning-rate in FILE is not a training option (valid: model, data,")]
    [InlineData("cyclic-actors.training {\n  lr = \n}", "Configuration file 'FILE' is not valid HOCON: key 'cyclic-actors.training.lr' has no value")]
    [InlineData("cyclic-actors.training {\n  lr = \"\"\n}", "cyclic-actors.training.lr (in FILE) has no value")]
    public void A_bad_training_section_is_one_clear_line_naming_the_key_and_file_and_exit_code_2(string hocon, string expected)
    {
        var file = Write("bad.conf", hocon);

        var (code, output, error) = CliRunner.Run("seed", "--config", file);

        Assert.Equal(2, code);
        Assert.Contains(expected.Replace("FILE", file, StringComparison.Ordinal), error, StringComparison.OrdinalIgnoreCase);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("at CyclicActors", error + output);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
