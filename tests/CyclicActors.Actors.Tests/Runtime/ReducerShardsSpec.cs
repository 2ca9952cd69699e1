using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// Splitting every stage reducer into shards moves bytes, never arithmetic: each rule ends bitwise
/// where one reducer per stage does (and where the delayed-gradient simulation does), with shards
/// that do not divide the stages evenly and with gradients arriving in scrambled order.
/// </summary>
public sealed class ReducerShardsSpec(ITestOutputHelper output) : ActorSpec(output)
{
    public static TheoryData<UpdateRule, DelayCompensation, int, string, int> Cases => new()
    {
        { UpdateRule.Dp, DelayCompensation.None, 4, "mlp", 3 },
        { UpdateRule.CdpV1, DelayCompensation.Lookahead, 4, "mlp", 2 },
        { UpdateRule.CdpV2, DelayCompensation.None, 2, "cnn", 5 },
        { UpdateRule.CdpV2, DelayCompensation.Lookahead, 4, "mlp", 4 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Sharded_reducers_end_bitwise_where_one_reducer_per_stage_does(UpdateRule rule, DelayCompensation compensation, int workers, string model, int shards)
    {
        var config = TrainingFixtures.Config(model, workers, steps: 4);
        var data = TrainingFixtures.SyntheticFor(model, 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation };

        var single = await ActorTrainer.RunAsync(Sys, options, data, initial);
        var sharded = await ActorTrainer.RunAsync(Sys, options with { ReducerShards = shards, ContributionShuffleSeed = 17 }, data, initial);

        TrainingFixtures.AssertBitwiseEqual(single.Outcome, sharded.Outcome);
        TrainingFixtures.AssertBitwiseEqual(TrainingFixtures.Simulate(config, data, rule, compensation), sharded.Outcome);
        Assert.Equal(0, sharded.VersionViolations);
    }

    [Theory]
    [InlineData(Parallelism.Model)]
    [InlineData(Parallelism.Zero)]
    public void Shards_are_refused_where_no_stage_reducer_runs(Parallelism parallelism)
    {
        var config = TrainingFixtures.Config("mlp", 4, steps: 2);
        var data = TrainingFixtures.Synthetic(64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var error = Assert.Throws<ArgumentException>(() => TrainingPlan.Create(new ActorTrainingOptions { Training = config, Parallelism = parallelism, ReducerShards = 2 }, data, initial));
        Assert.Contains("--reducer-shards splits the stage reducers of --parallelism data", error.Message);
        Assert.Contains("--reducer-shards 0", Assert.Throws<ArgumentException>(() => TrainingPlan.Create(new ActorTrainingOptions { Training = config, ReducerShards = 0 }, data, initial)).Message);
    }
}
