using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tests.Runtime;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>A member whose part fails tells the seed why, so the seed's error is the reason, not only "a member left".</summary>
public sealed class MemberFailureSpec : InProcessClusterSpec
{
    [Fact]
    public async Task Members_on_different_tensor_paths_fail_the_run_with_the_setting_named_on_the_seed()
    {
        var config = TrainingFixtures.Config("mlp", workers: 4, steps: 4);
        var data = TrainingFixtures.SyntheticFor("mlp", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);

        var (seed, seedAddress) = StartSeed();
        var members = new[] { Start("worker"), Start("worker", $"{TransportSettings.PathKey} = akka") };
        var parts = members.Select(member =>
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("mlp", 64));
        }).ToArray();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ClusterRun.SeedAsync(seed, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2 }, data, initial).WaitAsync(Limit));

        var akkaMember = Akka.Cluster.Cluster.Get(members[1]).SelfAddress.ToString();
        Assert.Contains($"member {Akka.Cluster.Cluster.Get(members[0]).SelfAddress} failed", error.Message);
        Assert.Contains($"{akkaMember} send tensors through Akka ({TransportSettings.PathKey} = akka)", error.Message);
        Assert.Contains("set it alike on every node", error.Message);
        Assert.All(await Task.WhenAll(parts).WaitAsync(Limit), outcome => Assert.False(outcome.Succeeded));
    }
}
