using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class AdmissionStateTests
{
    private static readonly TrainingIdentity Seed = new("model-aaaaaaaaaaaaaaaa", "data-bbbbbbbbbbbbbbbb", 600);

    private static MemberOffered Offer(string node, int workers = 2, string? model = null, string? data = null, int samples = 600) =>
        new(node, workers, model ?? Seed.ModelFingerprint, data ?? Seed.DataFingerprint, samples);

    [Fact]
    public void Matching_members_get_consecutive_ranks_until_the_world_is_full()
    {
        var state = new AdmissionState(Seed, workers: 4);
        Assert.Equal([0, 1], Assert.IsType<MemberAdmitted>(state.Decide(Offer("a"))).Ranks);
        Assert.False(state.IsComplete);
        Assert.Equal([2, 3], Assert.IsType<MemberAdmitted>(state.Decide(Offer("b"))).Ranks);
        Assert.True(state.IsComplete);
        Assert.Equal([0, 1], Assert.IsType<MemberAdmitted>(state.Decide(Offer("a"))).Ranks); // a repeated offer
        var late = Assert.IsType<MemberRefused>(state.Decide(Offer("c", workers: 1)));
        Assert.Equal("it offers 1 workers but only 0 of the 4 ranks are left.", late.Reason);
    }

    [Fact]
    public void Different_model_or_data_is_refused_with_what_differs()
    {
        var state = new AdmissionState(Seed, workers: 4);
        var model = Assert.IsType<MemberRefused>(state.Decide(Offer("a", model: "model-other-fingerprint")));
        Assert.Contains("model fingerprint model-other-… differs from the seed's model-aaaaaa…", model.Reason);
        var data = Assert.IsType<MemberRefused>(state.Decide(Offer("b", data: "data-other-fingerprint")));
        Assert.Contains("training data (600 samples, sha256 data-other-f…) differs from the seed's (600 samples, sha256 data-bbbbbbb…)", data.Reason);
        var samples = Assert.IsType<MemberRefused>(state.Decide(Offer("c", samples: 599)));
        Assert.Contains("599 samples", samples.Reason);
        Assert.Equal(0, state.AdmittedWorkers);
    }

    [Fact]
    public void The_missing_description_names_admitted_and_refused_members()
    {
        var state = new AdmissionState(Seed, workers: 6);
        Assert.Equal("6 of 6 workers missing; no member admitted.", state.DescribeMissing());
        state.Decide(Offer("akka.tcp://cyclic@h1:1"));
        state.Decide(Offer("akka.tcp://cyclic@h2:2", data: "x"));
        Assert.Equal(
            "4 of 6 workers missing; admitted: akka.tcp://cyclic@h1:1 (ranks 0-1); refused: akka.tcp://cyclic@h2:2 (its training data (600 samples, sha256 x) differs from the seed's (600 samples, sha256 data-bbbbbbb…).).",
            state.DescribeMissing());
    }

    [Fact]
    public void A_member_that_leaves_before_the_start_frees_its_ranks_and_later_ranks_close_the_gap()
    {
        var state = new AdmissionState(Seed, workers: 6);
        state.Decide(Offer("a"));
        state.Decide(Offer("b"));
        state.Decide(Offer("c"));
        Assert.True(state.Remove("b"));
        Assert.False(state.Remove("b"));
        Assert.Equal([("a", new[] { 0, 1 }), ("c", new[] { 2, 3 })], state.Admitted.Select(m => (m.Node, m.Ranks)));
        Assert.Equal([4, 5], Assert.IsType<MemberAdmitted>(state.Decide(Offer("d"))).Ranks);
        Assert.True(state.IsComplete);
    }

    [Fact]
    public void An_offer_of_no_workers_is_refused()
    {
        var state = new AdmissionState(Seed, workers: 2);
        Assert.Contains("offers 0 workers", Assert.IsType<MemberRefused>(state.Decide(Offer("a", workers: 0))).Reason);
    }
}
