using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Training;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// CDP through the actors (token ring, staggered workers, asynchronous reducers) is bitwise the
/// delayed-gradient simulation that runs every op at exactly the version its rule requires.
/// </summary>
public sealed class CdpEquivalenceSpec(ITestOutputHelper output) : ActorSpec(output)
{
    public static TheoryData<UpdateRule, V2FreshnessRule, DelayCompensation, int, string> Cases => new()
    {
        { UpdateRule.CdpV1, V2FreshnessRule.Schedule, DelayCompensation.None, 4, "mlp" },
        { UpdateRule.CdpV1, V2FreshnessRule.Schedule, DelayCompensation.None, 2, "cnn" },
        { UpdateRule.CdpV1, V2FreshnessRule.Schedule, DelayCompensation.Lookahead, 4, "mlp" },
        { UpdateRule.CdpV2, V2FreshnessRule.Schedule, DelayCompensation.None, 4, "mlp" },
        { UpdateRule.CdpV2, V2FreshnessRule.Schedule, DelayCompensation.None, 2, "mlp" },
        { UpdateRule.CdpV2, V2FreshnessRule.PaperCode, DelayCompensation.None, 2, "mlp" },
        { UpdateRule.CdpV2, V2FreshnessRule.PaperCode, DelayCompensation.None, 4, "cnn" },
        { UpdateRule.CdpV2, V2FreshnessRule.Schedule, DelayCompensation.Lookahead, 2, "mlp" },
        { UpdateRule.CdpV2, V2FreshnessRule.PaperCode, DelayCompensation.Lookahead, 2, "mlp" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Cdp_through_the_actors_equals_the_delayed_gradient_simulation_bitwise(UpdateRule rule, V2FreshnessRule freshness, DelayCompensation compensation, int workers, string model)
    {
        var config = TrainingFixtures.Config(model, workers, steps: 4);
        var data = TrainingFixtures.SyntheticFor(model, 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);

        var simulated = TrainingFixtures.Simulate(config, data, rule, compensation, freshness);
        var options = new ActorTrainingOptions { Training = config, Rule = rule, Freshness = freshness, Compensation = compensation };
        var result = await ActorTrainer.RunAsync(Sys, options, data, initial);

        TrainingFixtures.AssertBitwiseEqual(simulated, result.Outcome);
        Assert.Equal(0, result.VersionViolations);
        Assert.Equal(compensation == DelayCompensation.Lookahead, result.LookaheadOps > 0);
        // The rule matters: the delayed run is not the DP run.
        TrainingOutcome dp = TrainingFixtures.Reference(config, data);
        Assert.NotEqual(TrainingFixtures.Sha256(dp.FinalParameters), TrainingFixtures.Sha256(result.Outcome.FinalParameters));
    }

    [Theory]
    [InlineData(UpdateRule.Dp, 4, 101)]
    [InlineData(UpdateRule.CdpV1, 4, 202)]
    [InlineData(UpdateRule.CdpV2, 2, 303)]
    public async Task Scrambled_gradient_arrival_order_changes_nothing(UpdateRule rule, int workers, int seed)
    {
        var config = TrainingFixtures.Config("mlp", workers, steps: 4);
        var data = TrainingFixtures.Synthetic(64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);

        var plain = await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = rule }, data, initial);
        var scrambled = await ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = rule, ContributionShuffleSeed = seed }, data, initial);

        TrainingFixtures.AssertBitwiseEqual(plain.Outcome, scrambled.Outcome);
        TrainingFixtures.AssertBitwiseEqual(TrainingFixtures.Simulate(config, data, rule), scrambled.Outcome);
    }
}
