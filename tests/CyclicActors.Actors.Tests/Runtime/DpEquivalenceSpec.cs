using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>DP through the actors is bitwise the single-threaded reference trainer.</summary>
public sealed class DpEquivalenceSpec(ITestOutputHelper output) : ActorSpec(output)
{
    [Theory]
    [InlineData("mlp", 1)]
    [InlineData("mlp", 2)]
    [InlineData("mlp", 4)]
    [InlineData("cnn", 1)]
    [InlineData("cnn", 2)]
    [InlineData("cnn", 4)]
    public async Task Dp_through_the_actors_equals_the_reference_trainer_bitwise(string model, int workers)
    {
        var config = TrainingFixtures.Config(model, workers, steps: 3);
        var data = TrainingFixtures.SyntheticFor(model, 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);

        var reference = TrainingFixtures.Reference(config, data);
        var losses = new List<float>();
        var result = await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.Dp }, data, initial, m => losses.Add(m.Loss));

        TrainingFixtures.AssertBitwiseEqual(reference, result.Outcome);
        Assert.Equal(TrainingFixtures.Sha256(reference.FinalParameters), TrainingFixtures.Sha256(result.Outcome.FinalParameters));
        Assert.Equal(3, losses.Count);
        Assert.Equal(0, result.VersionViolations);
        Assert.NotEqual(TrainingFixtures.Sha256(initial), TrainingFixtures.Sha256(result.Outcome.FinalParameters));
    }
}
