using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Training;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>Cuts taken while training and runs resumed from them: the resumed run is the uninterrupted one, bitwise.</summary>
public sealed class ResumeSpec(ITestOutputHelper output) : ActorSpec(output)
{
    private const int Steps = 7;

    /// <summary>Three steps per epoch: the cut at 3 is an epoch boundary, the one at 5 is mid-epoch.</summary>
    private static readonly int[] ResumePoints = [3, 5];

    public static TheoryData<UpdateRule, DelayCompensation, int> Cases()
    {
        var cases = new TheoryData<UpdateRule, DelayCompensation, int>();
        foreach (var workers in new[] { 1, 2, 4 })
        {
            cases.Add(UpdateRule.Dp, DelayCompensation.None, workers);
            foreach (var rule in new[] { UpdateRule.CdpV1, UpdateRule.CdpV2 })
            {
                cases.Add(rule, DelayCompensation.None, workers);
                cases.Add(rule, DelayCompensation.Lookahead, workers);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_run_resumed_from_a_cut_ends_bitwise_where_the_uninterrupted_run_ends(UpdateRule rule, DelayCompensation compensation, int workers)
    {
        var config = TrainingFixtures.Config("mlp", workers, Steps);
        var data = TrainingFixtures.SyntheticFor("mlp", 3 * workers * config.MicroBatch);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var cuts = new List<TrainingCut>();
        var options = new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation };

        var uninterrupted = await ActorTrainer.RunAsync(Sys, options with { CutEvery = 1, FinalCut = true, OnCut = cuts.Add }, data, initial);

        Assert.Equal(Enumerable.Range(1, Steps), cuts.Select(cut => cut.Step));
        var last = cuts[^1];
        TrainingFixtures.AssertBits(uninterrupted.Outcome.FinalParameters, [.. last.Stages.SelectMany(stage => stage.Parameters)], "the final cut's parameters");
        foreach (var step in ResumePoints)
        {
            // Pacing keeps the order of ops in wall-clock time only, so it must not change a resumed run either.
            var pacing = step == ResumePoints[0] ? PacingMode.None : PacingMode.Budget;
            var resumed = await ActorTrainer.RunAsync(Sys, options with { Resume = cuts.Single(cut => cut.Step == step), Pacing = pacing }, data, initial);
            TrainingFixtures.AssertBitwiseEqual(uninterrupted.Outcome, resumed.Outcome);
        }
    }

    [Fact]
    public async Task Taking_cuts_does_not_change_the_run()
    {
        var config = TrainingFixtures.Config("mlp", workers: 4, Steps);
        var data = TrainingFixtures.SyntheticFor("mlp", 48);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2, Compensation = DelayCompensation.Lookahead };

        var plain = await ActorTrainer.RunAsync(Sys, options, data, initial);
        var cut = await ActorTrainer.RunAsync(Sys, options with { CutEvery = 2, OnCut = _ => { } }, data, initial);

        TrainingFixtures.AssertBitwiseEqual(plain.Outcome, cut.Outcome);
    }

    [Fact]
    public async Task A_cut_without_what_the_rule_reads_is_refused_before_anything_runs()
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, Steps);
        var data = TrainingFixtures.SyntheticFor("mlp", 24);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var cuts = new List<TrainingCut>();
        var dp = new ActorTrainingOptions { Training = config, Rule = UpdateRule.Dp };
        await ActorTrainer.RunAsync(Sys, dp with { CutEvery = 3, OnCut = cuts.Add }, data, initial);

        // A DP cut holds θ_k only; CDP-v1 also reads θ_{k−1}.
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1, Resume = cuts[0] }, data, initial));
        Assert.Contains("lacks θ_2", error.Message, StringComparison.Ordinal);

        var late = await Assert.ThrowsAsync<ArgumentException>(() =>
            ActorTrainer.RunAsync(Sys, dp with { Training = config with { MaxSteps = 3 }, Resume = cuts[0] }, data, initial));
        Assert.Contains("nothing is left to train", late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_finite_gradient_stops_the_run_naming_the_step_and_worker_before_it_is_folded()
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, steps: 6);
        var clean = TrainingFixtures.Synthetic(24);
        var order = new DataOrder(config.Seed, clean.Count, config.MicroBatch, config.Workers);
        // One NaN pixel in the first sample of step 1, rank 1: only that worker's gradients can be NaN.
        var poisoned = order.SampleIndices(order.PositionOf(1), 1)[0];
        var pixels = clean.Pixels.ToArray();
        pixels[(poisoned * clean.SampleElements) + 300] = float.NaN;
        var data = Dataset.FromArrays("poisoned", clean.SampleShape, clean.ClassCount, pixels, clean.Labels.ToArray(), "poisoned");
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var cuts = new List<TrainingCut>();

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() =>
            ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2, CutEvery = 1, OnCut = cuts.Add }, data, initial));

        // The same worker's loss of that step is NaN too, and may reach the coordinator first; either names step 1.
        Assert.Contains("at step 1", thrown.Message, StringComparison.Ordinal);
        if (thrown is NonFiniteGradientException error)
        {
            Assert.Equal((1, 1), (error.Step, error.Rank));
            Assert.Contains("from worker 1", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.IsType<NonFiniteLossException>(thrown);
        }

        // Step 1 was never folded: no cut after step boundary 1 (which holds steps before it) exists.
        Assert.All(cuts, cut => Assert.True(cut.Step <= 1, $"a cut at {cut.Step} was taken after the NaN of step 1"));
    }

    [Fact]
    public async Task An_update_that_overflows_stops_the_run_before_the_version_is_published_or_cut()
    {
        var config = TrainingFixtures.Config("mlp", workers: 2, steps: 40) with { LearningRate = 1e30f };
        var data = TrainingFixtures.SyntheticFor("mlp", 24);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var cuts = new List<TrainingCut>();

        // Huge but finite parameters can give a NaN loss or a NaN gradient before the next update overflows: whichever the run meets first stops it.
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            ActorTrainer.RunAsync(Sys, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV1, CutEvery = 1, OnCut = cuts.Add }, data, initial));

        Assert.True(error is NonFiniteParametersException or NonFiniteLossException or NonFiniteGradientException, error.ToString());
        if (error is NonFiniteParametersException overflow)
        {
            Assert.Contains($"The update of step {overflow.Step}", overflow.Message, StringComparison.Ordinal);
        }

        Assert.True(cuts.SelectMany(cut => cut.Stages).All(stage => stage.Parameters.All(float.IsFinite)), "a cut holds non-finite parameters");
    }
}
