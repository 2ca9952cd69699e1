using System.Text.Json;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// --eval-every: test accuracy while training, from the reducers' cuts on a thread of its own. It
/// changes no parameter, writes a metrics line per evaluation, and the summary keeps the best.
/// </summary>
public sealed class EvaluationDuringTrainingTests
{
    [Fact]
    public void Evaluating_every_k_steps_changes_no_parameter_and_reports_each_evaluation_and_the_best()
    {
        string dir = CliRunner.TempDirectory();
        string[] training = ["train", "--model", "mlp", "--steps", "9", "--data", CliRunner.BundledData, "--backend", "cpu", "--quiet"];
        var (plainCode, plainOut, plainError) = CliRunner.Run([.. training, "--eval-every", "0", "--summary", Path.Combine(dir, "plain.json")]);
        Assert.True(plainCode == 0, plainOut + plainError);
        var (code, output, error) = CliRunner.Run([.. training, "--eval-every", "3", "--summary", Path.Combine(dir, "evaluated.json"), "--metrics", Path.Combine(dir, "metrics.jsonl")]);
        Assert.True(code == 0, output + error);

        var plain = CliRunner.ReadJson(Path.Combine(dir, "plain.json"));
        var evaluated = CliRunner.ReadJson(Path.Combine(dir, "evaluated.json"));
        Assert.Equal(plain.GetProperty("parameter_sha256").GetString(), evaluated.GetProperty("parameter_sha256").GetString());
        Assert.False(plain.TryGetProperty("evaluations", out _));

        // After 3 and 6 steps while training, and the final one after 9.
        var evaluations = evaluated.GetProperty("evaluations").EnumerateArray().ToArray();
        Assert.Equal([3, 6, 9], evaluations.Select(e => e.GetProperty("steps_done").GetInt32()));
        var accuracies = evaluations.Select(e => e.GetProperty("test_accuracy").GetDouble()).ToArray();
        Assert.Equal(evaluated.GetProperty("test_accuracy").GetDouble(), accuracies[^1]);
        Assert.Equal(accuracies.Max(), evaluated.GetProperty("best_test_accuracy").GetDouble());
        Assert.Equal(evaluations[Array.IndexOf(accuracies, accuracies.Max())].GetProperty("steps_done").GetInt32(), evaluated.GetProperty("best_test_accuracy_steps_done").GetInt32());

        var lines = File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        var evaluationLines = lines.Where(line => line.TryGetProperty("test_accuracy", out _)).ToArray();
        Assert.Equal([2, 5], evaluationLines.Select(line => line.GetProperty("step").GetInt32()));
        Assert.Equal(accuracies[..2], evaluationLines.Select(line => line.GetProperty("test_accuracy").GetDouble()));
        Assert.Equal(9, lines.Count(line => line.TryGetProperty("loss", out _)));
        Assert.Contains("evaluated during training: ", output);
    }

    [Fact]
    public void By_default_the_actor_runtime_evaluates_once_per_epoch()
    {
        string dir = CliRunner.TempDirectory();
        // The bundled 8,000 digits in steps of 4 x 8: 250 steps per epoch.
        var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--epochs", "2", "--data", CliRunner.BundledData, "--backend", "cpu", "--quiet", "--summary", Path.Combine(dir, "s.json"));
        Assert.True(code == 0, output + error);
        var evaluations = CliRunner.ReadJson(Path.Combine(dir, "s.json")).GetProperty("evaluations").EnumerateArray();
        Assert.Equal([250, 500], evaluations.Select(e => e.GetProperty("steps_done").GetInt32()));
    }

    [Fact]
    public void The_one_thread_engines_refuse_it()
    {
        var (code, _, error) = CliRunner.Run("train", "--engine", "reference", "--eval-every", "5", "--steps", "1", "--data", CliRunner.BundledData);
        Assert.Equal(2, code);
        Assert.Contains("--eval-every evaluates the actor runtime's cuts while it trains (--engine actors), not --engine reference", error);
    }
}
