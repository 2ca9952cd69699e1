using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>Cuts taken by reducers on members reach the seed's coordinator whole, bitwise the one-process run's.</summary>
public sealed class ClusterCutSpec : InProcessClusterSpec
{
    [Fact]
    public async Task The_seed_gets_every_cut_of_a_cluster_run_bitwise_as_one_process_takes_it()
    {
        var config = TrainingFixtures.Config("mlp", workers: 4, steps: 5);
        var data = TrainingFixtures.SyntheticFor("mlp", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2, Compensation = DelayCompensation.Lookahead, CutEvery = 2, FinalCut = true };
        var local = new List<TrainingCut>();
        ActorTrainer.Run(options with { OnCut = local.Add }, data, initial);

        var (seed, seedAddress) = StartSeed();
        var members = new[] { Start("worker"), Start("worker") };
        var parts = members.Select(member =>
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("mlp", 64));
        }).ToArray();
        var remote = new List<TrainingCut>();
        var run = await ClusterRun.SeedAsync(seed, options with { OnCut = remote.Add }, data, initial).WaitAsync(Limit);

        Assert.Equal([2, 4, 5], remote.Select(cut => cut.Step));
        Assert.Equal(local.Select(cut => cut.Step), remote.Select(cut => cut.Step));
        foreach (var (expected, actual) in local.Zip(remote))
        {
            foreach (var (want, got) in expected.Stages.Zip(actual.Stages))
            {
                var what = $"stage {want.Stage} at step {want.Step}";
                TrainingFixtures.AssertBits(want.Parameters, got.Parameters, what + " parameters");
                TrainingFixtures.AssertBits(want.Momentum, got.Momentum, what + " momentum");
                TrainingFixtures.AssertBits(want.PreviousParameters, got.PreviousParameters, what + " previous");
                TrainingFixtures.AssertBits(want.PreviousMomentum, got.PreviousMomentum, what + " previous momentum");
                Assert.Equal(want.LastGradients.Length, got.LastGradients.Length);
                for (var rank = 0; rank < want.LastGradients.Length; rank++)
                {
                    TrainingFixtures.AssertBits(want.LastGradients[rank], got.LastGradients[rank], $"{what} gradient of rank {rank}");
                }
            }
        }

        TrainingFixtures.AssertBits(run.Training.Outcome.FinalParameters, [.. remote[^1].Stages.SelectMany(stage => stage.Parameters)], "final parameters");
        foreach (var outcome in await Task.WhenAll(parts).WaitAsync(Limit))
        {
            Assert.True(outcome.Succeeded, outcome.Message);
        }
    }

    [Theory]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.Lookahead)]
    [InlineData(UpdateRule.Dp, DelayCompensation.None)]
    public async Task A_cluster_run_resumed_from_a_cut_ends_bitwise_where_the_uninterrupted_run_ends(UpdateRule rule, DelayCompensation compensation)
    {
        var config = TrainingFixtures.Config("mlp", workers: 4, steps: 6);
        var data = TrainingFixtures.SyntheticFor("mlp", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var options = new ActorTrainingOptions { Training = config, Rule = rule, Compensation = compensation };
        var cuts = new List<TrainingCut>();
        var uninterrupted = ActorTrainer.Run(options with { CutEvery = 3, OnCut = cuts.Add }, data, initial);

        var (seed, seedAddress) = StartSeed();
        var members = new[] { Start("worker"), Start("worker") };
        var parts = members.Select(member =>
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("mlp", 64));
        }).ToArray();
        var run = await ClusterRun.SeedAsync(seed, options with { Resume = cuts.Single(cut => cut.Step == 3) }, data, initial).WaitAsync(Limit);

        TrainingFixtures.AssertBitwiseEqual(uninterrupted.Outcome, run.Training.Outcome);
        foreach (var outcome in await Task.WhenAll(parts).WaitAsync(Limit))
        {
            Assert.True(outcome.Succeeded, outcome.Message);
        }
    }
}
