using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class AdmissionStateTests
{
    private static readonly TrainingIdentity Seed = new("model-aaaaaaaaaaaaaaaa", "data-bbbbbbbbbbbbbbbb", 600);

    private static readonly int[] CdpValidForFourStages = [1, 2, 4, 8];

    private static MemberOffered Offer(string node, int workers = 2, string? model = null, string? data = null, int samples = 600, string[]? roles = null) =>
        new(node, workers, model ?? Seed.ModelFingerprint, data ?? Seed.DataFingerprint, samples, roles ?? ["worker"]);

    [Fact]
    public void Once_started_a_members_repeated_offer_gets_its_ranks_in_the_run_and_every_other_offer_is_refused()
    {
        var state = new AdmissionState(Seed, workers: 4, minWorkers: 2, validWorldSizes: [1, 2, 4, 8]);
        state.Decide(Offer("a", workers: 2));
        state.Decide(Offer("b", workers: 1));
        var (start, _) = state.AfterTimeout(TimeSpan.FromSeconds(60));

        Assert.Equal(2, start!.Workers);
        Assert.False(state.IsOpen);
        Assert.Same(start, state.Started);
        Assert.Equal([0, 1], Assert.IsType<MemberAdmitted>(state.Decide(Offer("a", workers: 2))).Ranks);
        Assert.Equal(AdmissionState.ClosedReason, Assert.IsType<MemberRefused>(state.Decide(Offer("b", workers: 1))).Reason); // left out by the elastic start
        Assert.Equal(AdmissionState.ClosedReason, Assert.IsType<MemberRefused>(state.Decide(Offer("c", workers: 2))).Reason);
        Assert.False(state.Remove("a")); // a member leaving now ends the run; the admission does not free its ranks
        Assert.Throws<InvalidOperationException>(() => state.Start(2));
    }

    [Fact]
    public void A_timed_out_admission_refuses_every_later_offer()
    {
        var state = new AdmissionState(Seed, workers: 4);
        state.Decide(Offer("a", workers: 2));
        var (start, _) = state.AfterTimeout(TimeSpan.FromSeconds(60));

        Assert.Null(start);
        Assert.False(state.IsOpen);
        Assert.IsType<MemberRefused>(state.Decide(Offer("a", workers: 2)));
        Assert.IsType<MemberRefused>(state.Decide(Offer("b", workers: 2)));
    }

    private static MemberOffered Reducer(string node, int workers = 0) => Offer(node, workers, roles: ["reducer", "worker"]);

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
    public void An_offer_of_no_workers_without_the_reducer_role_is_refused()
    {
        var state = new AdmissionState(Seed, workers: 2);
        Assert.Equal(
            "it offers 0 workers and does not have the 'reducer' role; a member needs at least 1 worker, or --roles reducer to hold stage reducers only.",
            Assert.IsType<MemberRefused>(state.Decide(Offer("a", workers: 0))).Reason);
        Assert.Contains("offers -1 workers", Assert.IsType<MemberRefused>(state.Decide(Reducer("b", workers: -1))).Reason);
        Assert.Empty(state.Admitted);
    }

    [Fact]
    public void A_reducer_only_member_is_admitted_without_ranks_and_takes_none_from_the_workers()
    {
        var state = new AdmissionState(Seed, workers: 2);
        Assert.Empty(Assert.IsType<MemberAdmitted>(state.Decide(Reducer("r"))).Ranks);
        Assert.Equal(0, state.AdmittedWorkers);
        Assert.Equal("2 of 2 workers missing; admitted: r (reducers only).", state.DescribeMissing());
        Assert.Equal([0, 1], Assert.IsType<MemberAdmitted>(state.Decide(Offer("a"))).Ranks);
        Assert.True(state.IsComplete);
        Assert.True(state.Admitted[0].IsReducerHolder);
        Assert.False(state.Admitted[1].IsReducerHolder);

        var start = state.Start(2);
        Assert.Equal([("r", Array.Empty<int>()), ("a", new[] { 0, 1 })], start.Members.Select(m => (m.Node, m.Ranks)));
        Assert.Empty(start.NotNeeded);
    }

    [Fact]
    public void A_reducer_only_member_with_other_data_is_refused_like_any_other()
    {
        var state = new AdmissionState(Seed, workers: 2);
        Assert.Contains("training data", Assert.IsType<MemberRefused>(state.Decide(Offer("r", workers: 0, data: "other", roles: ["reducer"]))).Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Min_workers_outside_one_to_workers_is_refused_naming_both(int min)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AdmissionState(Seed, workers: 4, minWorkers: min));
        Assert.Contains($"min-workers {min} must be between 1 and the 4 workers wanted", error.Message);
    }

    [Fact]
    public void Without_min_workers_the_timeout_fails_naming_who_is_missing()
    {
        var state = new AdmissionState(Seed, workers: 4);
        state.Decide(Offer("a", workers: 3));
        var (start, description) = state.AfterTimeout(TimeSpan.FromSeconds(60));
        Assert.Null(start);
        Assert.Equal("1 of 4 workers missing; admitted: a (ranks 0-2).", description);
    }

    [Fact]
    public void At_the_timeout_with_at_least_min_workers_dp_starts_with_every_admitted_worker()
    {
        var state = new AdmissionState(Seed, workers: 4, minWorkers: 2);
        state.Decide(Offer("a", workers: 2));
        state.Decide(Offer("b", workers: 1));
        var (start, description) = state.AfterTimeout(TimeSpan.FromSeconds(60));
        Assert.NotNull(start);
        Assert.Equal(3, start.Workers);
        Assert.Equal([("a", new[] { 0, 1 }), ("b", new[] { 2 })], start.Members.Select(m => (m.Node, m.Ranks)));
        Assert.Empty(start.NotNeeded);
        Assert.Equal("Starting with 3 of 4 workers after 60 s (min-workers 2); 1 of 4 workers missing; admitted: a (ranks 0-1), b (ranks 2-2).", description);
    }

    [Fact]
    public void At_the_timeout_cdp_starts_with_the_largest_valid_world_size_and_members_left_without_ranks_are_not_needed()
    {
        var state = new AdmissionState(Seed, workers: 8, minWorkers: 2, CdpValidForFourStages);
        state.Decide(Offer("a"));
        state.Decide(Offer("b"));
        state.Decide(Offer("c"));
        var (start, description) = state.AfterTimeout(TimeSpan.FromSeconds(1.5));
        Assert.NotNull(start);
        Assert.Equal(4, start.Workers);
        Assert.Equal([("a", new[] { 0, 1 }), ("b", new[] { 2, 3 })], start.Members.Select(m => (m.Node, m.Ranks)));
        Assert.Equal(["c"], start.NotNeeded.Select(m => m.Node));
        Assert.Equal(
            "Starting with 4 of 8 workers after 1.5 s (min-workers 2); 2 of 8 workers missing; admitted: a (ranks 0-1), b (ranks 2-3), c (ranks 4-5). "
            + "Ranks 4-5 are left out: the update rule needs a world size in 1, 2, 4, 8. Not needed: c.",
            description);
    }

    [Fact]
    public void A_member_whose_ranks_are_partly_left_out_keeps_the_others()
    {
        var state = new AdmissionState(Seed, workers: 8, minWorkers: 4, CdpValidForFourStages);
        state.Decide(Offer("a", workers: 3));
        state.Decide(Offer("b", workers: 3));
        var start = state.AfterTimeout(TimeSpan.FromSeconds(5)).Start;
        Assert.NotNull(start);
        Assert.Equal([("a", new[] { 0, 1, 2 }), ("b", new[] { 3 })], start.Members.Select(m => (m.Node, m.Ranks)));
        Assert.Empty(start.NotNeeded);
    }

    [Fact]
    public void A_reducer_holder_whose_ranks_are_all_left_out_stays_to_hold_reducers()
    {
        var state = new AdmissionState(Seed, workers: 8, minWorkers: 2, CdpValidForFourStages);
        state.Decide(Offer("a"));
        state.Decide(Offer("b"));
        state.Decide(Reducer("r", workers: 2));
        state.Decide(Reducer("s"));
        var start = state.AfterTimeout(TimeSpan.FromSeconds(5)).Start;
        Assert.NotNull(start);
        Assert.Equal(4, start.Workers);
        Assert.Equal([("a", new[] { 0, 1 }), ("b", new[] { 2, 3 }), ("r", Array.Empty<int>()), ("s", Array.Empty<int>())], start.Members.Select(m => (m.Node, m.Ranks)));
        Assert.Empty(start.NotNeeded);
    }

    [Fact]
    public void At_the_timeout_fewer_than_min_workers_fails_saying_how_many_are_needed()
    {
        var state = new AdmissionState(Seed, workers: 4, minWorkers: 3);
        state.Decide(Offer("a"));
        var (start, description) = state.AfterTimeout(TimeSpan.FromSeconds(60));
        Assert.Null(start);
        Assert.Equal("2 of 4 workers missing; admitted: a (ranks 0-1). At least 3 (min-workers) are needed to start with fewer than 4.", description);
    }

    [Fact]
    public void At_the_timeout_without_a_valid_world_size_from_min_workers_up_it_fails_listing_the_valid_ones()
    {
        var state = new AdmissionState(Seed, workers: 6, minWorkers: 4, [1, 2, 3, 6]);
        state.Decide(Offer("a", workers: 5));
        var (start, description) = state.AfterTimeout(TimeSpan.FromSeconds(60));
        Assert.Null(start);
        Assert.Equal("1 of 6 workers missing; admitted: a (ranks 0-4). No world size from 4 (min-workers) to 5 suits the update rule; valid: 1, 2, 3, 6.", description);
    }

    [Fact]
    public void At_the_timeout_with_nobody_admitted_even_min_workers_one_fails()
    {
        var state = new AdmissionState(Seed, workers: 4, minWorkers: 1);
        state.Decide(Reducer("r"));
        var (start, description) = state.AfterTimeout(TimeSpan.FromSeconds(60));
        Assert.Null(start);
        Assert.StartsWith("4 of 4 workers missing; admitted: r (reducers only). At least 1 (min-workers)", description);
    }

    [Fact]
    public void Start_keeps_only_ranks_below_the_world_size_and_rejects_sizes_beyond_the_admitted()
    {
        static AdmissionState TwoMembers()
        {
            var state = new AdmissionState(Seed, workers: 4);
            state.Decide(Offer("a"));
            state.Decide(Offer("b"));
            return state;
        }

        var one = TwoMembers().Start(1);
        Assert.Equal([("a", new[] { 0 })], one.Members.Select(m => (m.Node, m.Ranks)));
        Assert.Equal(["b"], one.NotNeeded.Select(m => m.Node));
        Assert.Equal([[0, 1], [2, 3]], TwoMembers().Start(4).Members.Select(m => m.Ranks));
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoMembers().Start(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoMembers().Start(0));
    }
}
