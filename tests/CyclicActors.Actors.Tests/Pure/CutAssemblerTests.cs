using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class CutAssemblerTests
{
    private static StageCut Share(int stage, int step) => new(stage, step, [stage], [0f], [], [], []);

    [Fact]
    public void A_cut_completes_when_every_stage_is_in_whatever_the_arrival_order()
    {
        var assembler = new CutAssembler(stages: 3);
        Assert.Empty(assembler.Accept(Share(2, 4)));
        Assert.Empty(assembler.Accept(Share(0, 4)));
        var complete = Assert.Single(assembler.Accept(Share(1, 4)));
        Assert.Equal(4, complete.Step);
        Assert.Equal([0, 1, 2], complete.Stages.Select(s => s.Stage));
        Assert.Equal(0, assembler.Pending);
    }

    [Fact]
    public void A_later_cut_that_completes_first_waits_for_the_earlier_one_and_they_leave_in_step_order()
    {
        var assembler = new CutAssembler(stages: 2);
        Assert.Empty(assembler.Accept(Share(0, 2)));
        Assert.Empty(assembler.Accept(Share(0, 4)));
        Assert.Empty(assembler.Accept(Share(1, 4)));
        Assert.Equal(2, assembler.Pending);
        Assert.Equal([2, 4], assembler.Accept(Share(1, 2)).Select(cut => cut.Step));
    }

    [Fact]
    public void A_share_twice_or_for_a_delivered_step_or_an_unknown_stage_is_refused()
    {
        var assembler = new CutAssembler(stages: 2);
        assembler.Accept(Share(0, 2));
        Assert.Contains("twice", Assert.Throws<InvalidOperationException>(() => assembler.Accept(Share(0, 2))).Message, StringComparison.Ordinal);
        assembler.Accept(Share(1, 2));
        Assert.Throws<InvalidOperationException>(() => assembler.Accept(Share(0, 2)));
        Assert.Throws<InvalidOperationException>(() => assembler.Accept(Share(2, 6)));
    }
}
