using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Schedule;
using CyclicActors.Host.Commands;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>`cyclic plan --costs run`: which short run the plan's first case gets.</summary>
public sealed class ShortRunTests
{
    private static readonly UpdateRule[] AllRules = [UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2];

    [Fact]
    public void One_machine_of_four_workers_runs_the_first_planned_cdp_rule_with_its_compensation()
    {
        Assert.Equal(new ShortRun(4, UpdateRule.CdpV1, DelayCompensation.Lookahead, 24), ShortRun.For(4, 1, 4, AllRules, DelayCompensation.Lookahead, 24));
        Assert.Equal(new ShortRun(4, UpdateRule.CdpV2, DelayCompensation.None, 10), ShortRun.For(4, 1, 4, [UpdateRule.CdpV2, UpdateRule.Dp], DelayCompensation.None, 10));
    }

    [Fact]
    public void The_run_has_the_workers_of_the_fullest_machine_and_dp_where_no_cdp_rule_runs_at_that_count()
    {
        // 16 workers on 4 machines: 4 a machine, which divides 2L = 8.
        Assert.Equal(new ShortRun(4, UpdateRule.CdpV2, DelayCompensation.Lookahead, 24), ShortRun.For(16, 4, 4, [UpdateRule.CdpV2], DelayCompensation.Lookahead, 24));
        // 5 workers on 2 machines: the fuller has 3, which does not divide 8: DP, without the CDP rules' look-ahead.
        Assert.Equal(new ShortRun(3, UpdateRule.Dp, DelayCompensation.None, 24), ShortRun.For(5, 2, 4, AllRules, DelayCompensation.Lookahead, 24));
        Assert.Equal(new ShortRun(4, UpdateRule.Dp, DelayCompensation.None, 24), ShortRun.For(4, 1, 4, [UpdateRule.Dp], DelayCompensation.Lookahead, 24));
    }

    [Fact]
    public void Every_layout_gets_a_run_the_runtime_accepts_with_at_most_sixteen_workers()
    {
        for (int stages = 1; stages <= 8; stages++)
        {
            for (int workers = 1; workers <= 64; workers++)
            {
                for (int machines = 1; machines <= workers; machines++)
                {
                    var run = ShortRun.For(workers, machines, stages, AllRules, DelayCompensation.Lookahead, 24);
                    int fullest = (workers + machines - 1) / machines;
                    Assert.Equal(Math.Min(fullest, ShortRun.MaxWorkers), run.Workers);
                    // What the runtime would refuse (a CDP rule at an N not dividing 2L) is never chosen, and a CDP rule is whenever it runs.
                    var schedule = CdpSchedule.Create(run.Workers, stages, run.Rule);
                    Assert.Equal(run.Rule != UpdateRule.Dp, 2 * stages % run.Workers == 0);
                    Assert.Equal(run.Rule == UpdateRule.Dp ? DelayCompensation.None : DelayCompensation.Lookahead, run.Compensation);
                    Assert.Equal(run.Workers, schedule.Workers);
                }
            }
        }
    }

    [Fact]
    public void Too_short_a_run_or_an_empty_layout_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShortRun.For(4, 1, 4, AllRules, DelayCompensation.None, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShortRun.For(0, 1, 4, AllRules, DelayCompensation.None, 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShortRun.For(4, 0, 4, AllRules, DelayCompensation.None, 24));
    }
}
