using CyclicActors.Actors.Schedule;
using Xunit;

namespace CyclicActors.Actors.Tests.Schedule;

/// <summary>
/// The ZeRO placement's baton route (cdp-method.md §3.5(b)): every reader gets the version its rule
/// reads, a baton comes only from the reader before it with the same version and before it is needed,
/// and the owners send once per version read instead of N times.
/// </summary>
public sealed class ZeroBatonPlanTests
{
    private const int Steps = 4;

    public static TheoryData<int, int, UpdateRule> Cases()
    {
        var data = new TheoryData<int, int, UpdateRule>();
        foreach (var (workers, stages) in ScheduleConfigurations.CdpPairs())
        {
            foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2 })
            {
                data.Add(workers, stages, rule);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_reader_gets_its_rules_version_once_from_the_previous_reader_of_that_version_or_the_owner(int workers, int stages, UpdateRule rule)
    {
        var schedule = CdpSchedule.Create(workers, stages, rule);
        var plan = new ZeroBatonPlan(schedule);
        for (var step = 0; step < Steps; step++)
        {
            for (var stage = 1; stage <= stages; stage++)
            {
                var hops = plan.HopsOf(step, stage);
                Assert.Equal(Enumerable.Range(0, workers), hops.Select(hop => hop.To).Order());
                foreach (var hop in hops)
                {
                    Assert.Equal(schedule.RequiredVersion(step, hop.To, stage), hop.Version);
                    Assert.Equal(schedule.TickOf(step, hop.To, stage, OpKind.Forward), hop.NeededTick);
                    Assert.True(hop.HeldFromTick <= hop.NeededTick && hop.NeededTick < hop.DropTick);
                    if (hop.From is { } from)
                    {
                        // The sender read the same version, had it before the receiver needs it, and passes it on no later than its own B_j.
                        Assert.Equal(hop.Version, schedule.RequiredVersion(step, from, stage));
                        Assert.True(schedule.TickOf(step, from, stage, OpKind.Forward) <= hop.HeldFromTick);
                        Assert.True(hop.HeldFromTick <= schedule.TickOf(step, from, stage, OpKind.Backward));
                    }
                }

                // One owner send per version read in the step (DP: all read at once, so the owner sends to each).
                var ownerSends = hops.Count(hop => hop.FromOwner);
                Assert.Equal(rule == UpdateRule.Dp ? workers : hops.Select(hop => hop.Version).Distinct().Count(), ownerSends);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Under_cdp_v1_each_owner_sends_one_copy_per_step_where_the_broadcast_sends_n(int workers, int stages)
    {
        var plan = new ZeroBatonPlan(CdpSchedule.Create(workers, stages, UpdateRule.CdpV1));
        var bytes = Enumerable.Range(1, stages).Select(stage => 1000L * stage).ToArray();

        var links = plan.LinkBytes(2, bytes);

        Assert.Equal(bytes.Sum(), links.Where(link => link.Key.From is null).Sum(link => link.Value));
        Assert.Equal(workers * bytes.Sum(), links.Values.Sum());
        // Point to point: worker i passes to worker i + 1 only.
        Assert.All(links.Keys.Where(key => key.From is not null), key => Assert.Equal(key.From + 1, key.To));
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(8, 4)]
    [InlineData(2, 4)]
    public void A_worker_holds_the_whole_model_only_at_its_turn_and_all_workers_together_far_less_than_n_replicas(int workers, int stages)
    {
        var plan = new ZeroBatonPlan(CdpSchedule.Create(workers, stages, UpdateRule.CdpV1));
        var unit = Enumerable.Repeat(1L, stages).ToArray();

        Assert.Equal(stages, plan.PeakHeldBytesPerWorker(unit));
        var overWorkers = plan.Schedule.SteadyCycleTicks().Select(tick => plan.HeldBytesOverWorkers(tick, unit)).ToArray();
        // At most the activation profile's N(L+1)/2 plus one copy in flight per reader, never N·L.
        Assert.All(overWorkers, held => Assert.InRange(held, workers * (stages + 1) / 2, (workers * (stages + 1) / 2) + workers));
        Assert.True(overWorkers.Max() < workers * stages);
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Every_reader_gets_each_version_once_per_step_from_its_owner_or_a_sender_that_holds_it(int workers, int stages)
    {
        foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2 })
        {
            var plan = new ZeroBatonPlan(CdpSchedule.Create(workers, stages, rule));
            const int steps = 4;
            for (var stage = 1; stage <= stages; stage++)
            {
                var hops = Enumerable.Range(0, steps).SelectMany(step => plan.HopsOf(step, stage)).ToArray();
                // What the owner sends of each version is exactly the hops from it, over the steps that read it.
                var fromOwner = Enumerable.Range(0, steps + 1).SelectMany(version => plan.OwnerRecipients(stage, version, 0, steps).Select(to => (version, to)));
                Assert.Equal(hops.Where(hop => hop.FromOwner).Select(hop => (hop.Version, hop.To)).Order(), fromOwner.Order());
                // A sender's batons leave after one of its own ops of that step, while it holds the version.
                for (var worker = 0; worker < workers; worker++)
                {
                    for (var step = 0; step < steps; step++)
                    {
                        foreach (var hop in plan.SendsOf(worker, step))
                        {
                            Assert.Equal(worker, hop.From);
                            Assert.InRange(hop.HeldFromTick, plan.Schedule.TickOf(step, worker, hop.Stage, OpKind.Forward), plan.Schedule.TickOf(step, worker, hop.Stage, OpKind.Backward));
                            Assert.Equal(plan.Schedule.RequiredVersion(step, worker, hop.Stage), hop.Version);
                        }
                    }
                }
            }
        }
    }
}
