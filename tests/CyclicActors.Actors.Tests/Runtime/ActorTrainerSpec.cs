using CyclicActors.Actors.Planning;
using System.Text.Json;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute.Training;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>The public entry point: its own ActorSystem from the embedded configuration, the trace, failures.</summary>
public sealed class ActorTrainerSpec(ITestOutputHelper output) : ActorSpec(output)
{
    [Fact]
    public void Run_in_its_own_system_trains_and_writes_a_chrome_trace()
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, steps: 3);
        var data = TrainingFixtures.Synthetic(64);
        var (_, partition, initial) = TrainingFixtures.Build(config, data);
        var tracePath = Path.Combine(Path.GetTempPath(), $"cyclic-trace-{Guid.NewGuid():N}.json");
        var steps = new List<StepMetrics>();
        try
        {
            var result = ActorTrainer.Run(new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1, TracePath = tracePath }, data, initial, steps.Add);

            TrainingFixtures.AssertBitwiseEqual(TrainingFixtures.Simulate(config, data, UpdateRule.CdpV1), result.Outcome);
            Assert.Equal([0, 1, 2], steps.Select(s => s.Step));
            Assert.Equal(tracePath, result.TracePath);
            AssertTrace(tracePath, workers: 2, stages: partition.StageCount, totalSteps: 3);
        }
        finally
        {
            File.Delete(tracePath);
        }
    }

    /// <summary>
    /// With an absurd learning rate the run stops with the first non-finite value it meets: usually the
    /// update that overflowed a stage's parameters, but under load another stage can first receive a
    /// gradient computed from the huge (still finite) parameters of a version before it, which is
    /// already infinite, or the coordinator can first get a micro-batch's loss computed from them, NaN.
    /// Which comes first is a race between the stages and the reports; each reducer check, and the step
    /// it names, is tested on the stage master (<see cref="Pure.StageMasterNonFiniteTests"/>).
    /// </summary>
    [Fact]
    public async Task A_diverging_run_fails_at_the_first_non_finite_update_or_gradient_naming_its_step()
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, steps: 6) with { LearningRate = 1e30f };
        var data = TrainingFixtures.Synthetic(64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);

        var error = await Record.ExceptionAsync(() => ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1 }, data, initial));

        int step = error switch
        {
            NonFiniteParametersException overflow => overflow.Step,
            NonFiniteGradientException gradient => gradient.Step,
            NonFiniteLossException loss => loss.Step,
            _ => throw new Xunit.Sdk.XunitException($"expected a non-finite parameters, gradient or loss error, got {error}"),
        };
        Assert.InRange(step, 0, config.MaxSteps - 1);
    }

    [Fact]
    public async Task Cancellation_stops_the_run()
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, steps: 1000);
        var data = TrainingFixtures.Synthetic(64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        using var cancel = new CancellationTokenSource();

        var run = ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1 }, data, initial, m =>
        {
            if (m.Step == 2)
            {
                cancel.Cancel();
            }
        }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public void Invalid_options_are_refused_before_any_actor_starts()
    {
        var data = TrainingFixtures.Synthetic(64);
        var config = TrainingFixtures.Config("mlp", workers: 3, steps: 1);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var error = Assert.Throws<ArgumentException>(() => ActorTrainer.Run(new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1 }, data, initial));
        Assert.Contains("does not divide", error.Message);
        Assert.Throws<ArgumentException>(() => ActorTrainer.Run(new ActorTrainingOptions { Training = config with { Workers = 2 }, Compensation = DelayCompensation.Lookahead }, data, initial));
        Assert.Throws<ArgumentException>(() => ActorTrainer.Run(new ActorTrainingOptions { Training = config with { Workers = 2 } }, data, initial[1..]));
        Assert.Throws<Akka.Configuration.ConfigurationException>(() => ActorTrainer.Run(new ActorTrainingOptions { Training = config with { Workers = 2 }, ConfigOverrides = "cyclic-actors.final-state-timeout = soon" }, data, initial));
    }

    private static void AssertTrace(string path, int workers, int stages, int totalSteps)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var events = document.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
        var trackNames = events.Where(e => e.GetProperty("name").GetString() == "thread_name")
            .ToDictionary(e => e.GetProperty("tid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString()!);
        var expectedTracks = Enumerable.Range(0, workers).Select(r => $"worker {r}").Concat(Enumerable.Range(0, stages).Select(s => $"reducer {s}"));
        Assert.Equal(expectedTracks.Order(), trackNames.Values.Order());

        for (int rank = 0; rank < workers; rank++)
        {
            int tid = trackNames.Single(pair => pair.Value == $"worker {rank}").Key;
            var spans = events.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("tid").GetInt32() == tid)
                .Select(e => (Name: e.GetProperty("name").GetString()!, Category: e.GetProperty("cat").GetString()!, Start: e.GetProperty("ts").GetInt64(), End: e.GetProperty("ts").GetInt64() + e.GetProperty("dur").GetInt64()))
                .ToArray();
            var expectedNames = Enumerable.Range(0, totalSteps).SelectMany(step =>
                Enumerable.Range(1, stages).Select(j => $"F{j}.s{step}").Concat(Enumerable.Range(1, stages).Reverse().Select(j => $"B{j}.s{step}")));
            Assert.Equal(expectedNames, spans.Where(span => span.Category == "op").Select(op => op.Name));
            // Each backward hands its gradient off right after it: one "H" span per backward, in the same order.
            Assert.Equal(expectedNames.Where(name => name[0] == 'B').Select(name => "H" + name[1..]),
                spans.Where(span => span.Category == HandlingSpans.Category && span.Name[0] == HandlingSpans.Handoff).Select(span => span.Name));
            Assert.All(spans.Zip(spans.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start, "spans of one worker must not overlap"));
        }

        var instants = events.Where(e => e.GetProperty("ph").GetString() == "i").Select(e => e.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(workers * stages * totalSteps, instants.Count(name => name.StartsWith("grad ", StringComparison.Ordinal)));
        Assert.Equal(stages * (totalSteps + 1), instants.Count(name => name.StartsWith("publish ", StringComparison.Ordinal)));
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "C");
    }
}
