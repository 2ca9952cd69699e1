using CyclicActors.Actors.Cluster;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class MemberNodeStateTests
{
    [Fact]
    public void A_member_joins_gets_the_options_is_admitted_and_takes_its_part_each_answer_counting_once()
    {
        var state = new MemberNodeState();
        Assert.False(state.WasUp);
        Assert.False(state.OptionsArrived()); // not asked yet
        Assert.True(state.Up());
        Assert.False(state.Up());
        Assert.True(state.WasUp);

        Assert.False(state.RefusalCounts()); // nothing offered yet
        Assert.True(state.OptionsArrived());
        Assert.False(state.OptionsArrived()); // a repeated request's second answer
        Assert.True(state.RefusalCounts());

        Assert.False(state.Planned()); // a plan before admission builds nothing
        Assert.True(state.AdmittedArrived());
        Assert.False(state.AdmittedArrived()); // the answer to a repeated offer
        Assert.False(state.RefusalCounts()); // a stray refusal after admission changes nothing

        Assert.True(state.Planned());
        Assert.False(state.Planned());
        Assert.Equal(MemberPhase.Taking, state.Phase);
    }

    [Fact]
    public void Only_the_first_failure_is_kept_and_nothing_counts_once_the_part_ended()
    {
        var state = new MemberNodeState();
        state.Up();
        state.OptionsArrived();
        state.AdmittedArrived();
        state.Planned();

        Assert.True(state.PartFailed("a link broke"));
        Assert.False(state.PartFailed("then a worker failed"));
        Assert.Equal("a link broke", state.Failure);
        Assert.True(state.End());
        Assert.False(state.End());
        Assert.Equal(MemberPhase.Ended, state.Phase);
        Assert.False(state.PartFailed("late"));
    }

    [Fact]
    public void A_member_that_ends_before_joining_was_never_up()
    {
        var state = new MemberNodeState();
        Assert.True(state.End());
        Assert.False(state.WasUp);
        Assert.False(state.Up());
    }
}
