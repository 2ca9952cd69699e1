using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class DelayedGradientSimulationTests
{
    [Theory]
    [InlineData("mlp", 1)]
    [InlineData("mlp", 4)]
    [InlineData("cnn", 2)]
    public void With_rule_dp_the_simulation_is_the_reference_trainer_bitwise(string model, int workers)
    {
        var config = TrainingFixtures.Config(model, workers, steps: 3);
        var data = TrainingFixtures.SyntheticFor(model, 64);
        TrainingFixtures.AssertBitwiseEqual(TrainingFixtures.Reference(config, data), TrainingFixtures.Simulate(config, data, UpdateRule.Dp));
    }

    /// <summary>
    /// v1 is "apply last step's averaged gradient": after one step θ_1 is made from gradients at θ_0
    /// in both rules, so one step of v1 equals one step of DP; from step 2 on they differ.
    /// </summary>
    [Fact]
    public void Cdp_v1_agrees_with_dp_for_one_step_and_differs_after_two()
    {
        var data = TrainingFixtures.Synthetic(64);
        var one = TrainingFixtures.Config("mlp", 4, steps: 1);
        TrainingFixtures.AssertBitwiseEqual(TrainingFixtures.Reference(one, data), TrainingFixtures.Simulate(one, data, UpdateRule.CdpV1));
        var two = TrainingFixtures.Config("mlp", 4, steps: 2);
        Assert.NotEqual(
            TrainingFixtures.Sha256(TrainingFixtures.Reference(two, data).FinalParameters),
            TrainingFixtures.Sha256(TrainingFixtures.Simulate(two, data, UpdateRule.CdpV1).FinalParameters));
    }

    [Fact]
    public void Lookahead_changes_a_cdp_v1_run()
    {
        var data = TrainingFixtures.Synthetic(64);
        var config = TrainingFixtures.Config("mlp", 4, steps: 3);
        Assert.NotEqual(
            TrainingFixtures.Sha256(TrainingFixtures.Simulate(config, data, UpdateRule.CdpV1).FinalParameters),
            TrainingFixtures.Sha256(TrainingFixtures.Simulate(config, data, UpdateRule.CdpV1, DelayCompensation.Lookahead).FinalParameters));
    }
}
