using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// --on-nonfinite: a NaN gradient at a step (fault injection's bad batch) stops the run naming it, or,
/// with skip, the run rolls back to its newest cut and trains again with that step skipped by every
/// stage: the result is bitwise the run told to skip that step from the start.
/// </summary>
public sealed class NonFiniteSkipSpec
{
    private const int Steps = 9;
    private const string BadBatchAtStep5 = "cyclic-actors.fault-injection.nan-gradient-at-step = 5";

    [Theory]
    [InlineData(UpdateRule.Dp, DelayCompensation.None, 0)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.Lookahead, 2)]
    [InlineData(UpdateRule.CdpV2, DelayCompensation.Lookahead, 0)]
    [InlineData(UpdateRule.CdpV2, DelayCompensation.None, 4)]
    public void A_skipped_bad_step_ends_bitwise_as_the_run_that_skips_it_from_the_start(UpdateRule rule, DelayCompensation compensation, int cutEvery)
    {
        var (options, data, initial) = Setup(rule, compensation);
        var told = ActorTrainer.Run(options with { SkippedSteps = new HashSet<int> { 5 } }, data, initial);
        var cuts = new List<int>();

        var met = ActorTrainer.Run(options with { OnNonFinite = NonFiniteAction.Skip, ConfigOverrides = BadBatchAtStep5, CutEvery = cutEvery, OnCut = cut => cuts.Add(cut.Step) }, data, initial);

        Assert.Equal([5], met.SkippedSteps);
        TrainingFixtures.AssertBitwiseEqual(told.Outcome, met.Outcome);
        Assert.True(met.Outcome.FinalParameters.All(float.IsFinite));
        // Each cut reaches the caller once, in order, although the steps before the rollback ran twice.
        Assert.Equal(cuts.Order().Distinct(), cuts);
        var clean = ActorTrainer.Run(options, data, initial);
        Assert.NotEqual(clean.Outcome.FinalParameters, met.Outcome.FinalParameters);
    }

    [Fact]
    public void Without_skip_a_bad_step_stops_the_run_naming_the_step_worker_and_stage()
    {
        var (options, data, initial) = Setup(UpdateRule.CdpV2, DelayCompensation.Lookahead);

        var error = Assert.Throws<NonFiniteGradientException>(() => ActorTrainer.Run(options with { ConfigOverrides = BadBatchAtStep5 }, data, initial));

        Assert.Equal(5, error.Step);
        Assert.Contains("at step 5", error.Message, StringComparison.Ordinal);
    }

    private static (ActorTrainingOptions Options, GpuCompute.Data.Dataset Data, float[] Initial) Setup(UpdateRule rule, DelayCompensation compensation)
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, Steps);
        var data = TrainingFixtures.SyntheticFor("mlp", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        return (new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation }, data, initial);
    }
}
