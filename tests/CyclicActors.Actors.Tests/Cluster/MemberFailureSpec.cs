using CyclicActors.Actors.Planning;
using Akka.Actor;
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
    public async Task A_member_whose_tensor_port_is_taken_fails_the_run_with_the_port_named_on_the_seed()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;

        var (error, members, outcomes) = await RunWithSecondMemberConfigured($"{TransportSettings.ChannelPortKey} = {taken}");

        Assert.Contains($"member {AddressOf(members[1])} failed", error.Message);
        Assert.Contains($"cannot listen for tensor channels on 127.0.0.1:{taken}", error.Message);
        Assert.Contains($"127.0.0.1:{taken}", outcomes[1].Message);
    }

    [Fact]
    public async Task Members_on_different_tensor_paths_fail_the_run_with_the_setting_named_on_the_seed()
    {
        var (error, members, _) = await RunWithSecondMemberConfigured($"{TransportSettings.PathKey} = akka");

        Assert.Contains($"member {AddressOf(members[0])} failed", error.Message);
        Assert.Contains($"{AddressOf(members[1])} send tensors through Akka ({TransportSettings.PathKey} = akka)", error.Message);
        Assert.Contains("set it alike on every node", error.Message);
    }

    /// <summary>Runs mlp, N = 4, on two members (the second with <paramref name="hocon"/>); the run must fail on the seed and both members.</summary>
    private async Task<(InvalidOperationException Error, ActorSystem[] Members, MemberOutcome[] Outcomes)> RunWithSecondMemberConfigured(string hocon)
    {
        var config = TrainingFixtures.Config("mlp", workers: 4, steps: 4);
        var data = TrainingFixtures.SyntheticFor("mlp", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var (seed, seedAddress) = StartSeed();
        var members = new[] { Start("worker"), Start("worker", hocon) };
        var parts = members.Select(member =>
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("mlp", 64));
        }).ToArray();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ClusterRun.SeedAsync(seed, new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2 }, data, initial).WaitAsync(Limit));
        var outcomes = await Task.WhenAll(parts).WaitAsync(Limit);
        Assert.All(outcomes, outcome => Assert.False(outcome.Succeeded, outcome.Message));
        return (error, members, outcomes);
    }
}
