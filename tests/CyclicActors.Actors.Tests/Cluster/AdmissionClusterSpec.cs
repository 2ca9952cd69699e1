using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// A seed (coordinator singleton) and two members as ActorSystems in one process on 127.0.0.1:
/// members offer through the singleton proxy; a member with other data is refused with the
/// reason, admitted once its data matches, and the admission completes with all ranks; a seed
/// left alone times out naming what is missing.
/// </summary>
public sealed class AdmissionClusterSpec : InProcessClusterSpec
{
    private static readonly TrainingIdentity Identity = new("model-fingerprint", "data-fingerprint", 600);

    protected override TimeSpan Limit => TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Members_are_admitted_or_refused_by_fingerprint_until_every_rank_is_taken()
    {
        var seed = Start(CoordinatorSingleton.Role);
        var outcome = new TaskCompletionSource<AdmissionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        CoordinatorSingleton.Start(seed, Props.Create(() => new AdmissionCoordinator(new AdmissionSetup(Identity, 4, Limit, outcome))));
        var seedAddress = Akka.Cluster.Cluster.Get(seed).SelfAddress;
        Akka.Cluster.Cluster.Get(seed).Join(seedAddress);
        var first = Start("worker");
        var second = Start("worker");
        Akka.Cluster.Cluster.Get(first).Join(seedAddress);
        Akka.Cluster.Cluster.Get(second).Join(seedAddress);

        var admitted = Assert.IsType<MemberAdmitted>(await Offer(first, Identity.DataFingerprint));
        Assert.Equal(new[] { 0, 1 }, admitted.Ranks);
        var refused = Assert.IsType<MemberRefused>(await Offer(second, "other-data"));
        Assert.Contains("training data (600 samples, sha256 other-data) differs from the seed's", refused.Reason);
        Assert.False(outcome.Task.IsCompleted);

        var admittedLater = Assert.IsType<MemberAdmitted>(await Offer(second, Identity.DataFingerprint));
        Assert.Equal(new[] { 2, 3 }, admittedLater.Ranks);
        var ready = Assert.IsType<AdmissionOutcome.Ready>(await outcome.Task.WaitAsync(Limit));

        // A retry that crosses the last answer gets the same ranks, not a refusal; a newcomer is refused.
        Assert.Equal(new[] { 2, 3 }, Assert.IsType<MemberAdmitted>(await Offer(second, Identity.DataFingerprint)).Ranks);
        var newcomer = Start("worker");
        Akka.Cluster.Cluster.Get(newcomer).Join(seedAddress);
        Assert.Contains("admission ended", Assert.IsType<MemberRefused>(await Offer(newcomer, Identity.DataFingerprint)).Reason);
        Assert.Equal(
            [(Address(first), new[] { 0, 1 }), (Address(second), new[] { 2, 3 })],
            ready.Members.Select(member => (member.Node, member.Ranks)));
    }

    [Fact]
    public async Task A_seed_without_enough_members_times_out_naming_what_is_missing()
    {
        var seed = Start(CoordinatorSingleton.Role);
        var outcome = new TaskCompletionSource<AdmissionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        CoordinatorSingleton.Start(seed, Props.Create(() => new AdmissionCoordinator(new AdmissionSetup(Identity, 2, TimeSpan.FromSeconds(2), outcome))));
        Akka.Cluster.Cluster.Get(seed).Join(Akka.Cluster.Cluster.Get(seed).SelfAddress);

        var timedOut = Assert.IsType<AdmissionOutcome.TimedOut>(await outcome.Task.WaitAsync(Limit));
        Assert.Equal("2 of 2 workers missing; no member admitted.", timedOut.Missing);
    }

    private static string Address(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();

    /// <summary>An offer through the singleton proxy, which buffers it until the singleton is reachable.</summary>
    private async Task<IMembershipMessage> Offer(ActorSystem member, string dataFingerprint)
    {
        var offer = new MemberOffered(Address(member), 2, Identity.ModelFingerprint, dataFingerprint, Identity.TrainSamples, ["worker"]);
        var proxy = CoordinatorSingleton.Proxy(member, $"proxy-{Guid.NewGuid():N}");
        return await proxy.Ask<IMembershipMessage>(offer, Limit);
    }

}
