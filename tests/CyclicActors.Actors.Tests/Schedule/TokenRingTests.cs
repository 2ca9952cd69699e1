using CyclicActors.Actors.Schedule;
using Xunit;

namespace CyclicActors.Actors.Tests.Schedule;

public sealed class TokenRingTests
{
    [Fact]
    public void Ring_next_and_previous_wrap_around()
    {
        var ring = RingTopology.Create(4, epoch: 3);
        Assert.Equal([1, 2, 3, 0], Enumerable.Range(0, 4).Select(ring.Next));
        Assert.Equal([3, 0, 1, 2], Enumerable.Range(0, 4).Select(ring.Previous));
        Assert.Equal(0, RingTopology.Create(1, 0).Next(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Next(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => RingTopology.Create(0, 0));
    }

    [Fact]
    public void Reforming_a_ring_bumps_the_epoch()
    {
        var ring = RingTopology.Create(4, epoch: 3);
        var reformed = ring.Reformed(2);
        Assert.Equal(2, reformed.Size);
        Assert.Equal(4, reformed.Epoch);
        Assert.Equal(RingTopology.Create(4, 3), ring);
    }

    [Fact]
    public void Token_of_an_older_epoch_is_dropped_and_grants_nothing()
    {
        var state = TokenRingState.Initial(RingTopology.Create(4, epoch: 2), rank: 1, delay: 2);
        var stale = new RingToken(Epoch: 1, Step: 0);
        var transition = state.Receive(stale);
        Assert.Same(state, transition.State);
        Assert.Equal([new StaleTokenDropped(stale, 2)], transition.Effects);
        Assert.False(transition.State.CanStart(0));

        var live = state.Receive(new RingToken(2, 0));
        Assert.Empty(live.Effects);
        Assert.True(live.State.CanStart(0));
        Assert.False(live.State.CanStart(1));
    }

    [Fact]
    public void Token_of_a_newer_epoch_is_kept_until_the_worker_joins_that_ring()
    {
        var old = TokenRingState.Initial(RingTopology.Create(4, epoch: 2), rank: 1, delay: 2);
        var early = new RingToken(Epoch: 3, Step: 9);
        var transition = old.Receive(early);
        Assert.Empty(transition.Effects);
        Assert.False(transition.State.CanStart(9));

        var reformed = transition.State.Reform(RingTopology.Create(3, epoch: 3), rank: 1, firstStep: 9);
        Assert.True(reformed.CanStart(9));
        Assert.Equal(early, reformed.HeldToken);

        // Without an early token, only the new rank 0 starts with one.
        var rankZero = old.Reform(RingTopology.Create(3, epoch: 3), rank: 0, firstStep: 9);
        Assert.Equal(new RingToken(3, 9), rankZero.HeldToken);
        Assert.Null(old.Reform(RingTopology.Create(3, epoch: 3), rank: 2, firstStep: 9).HeldToken);
        Assert.Throws<ArgumentException>(() => old.Reform(RingTopology.Create(3, epoch: 2), rank: 0, firstStep: 9));
    }

    [Fact]
    public void Worker_passes_the_token_after_delta_ops_and_rank_n_minus_1_advances_the_step()
    {
        var ring = RingTopology.Create(3, 0);
        var last = TokenRingState.Initial(ring, rank: 2, delay: 2).Receive(new RingToken(0, 5)).State;
        Assert.Throws<InvalidOperationException>(() => last.StartMicroBatch(4));
        var running = last.StartMicroBatch(5);
        Assert.False(running.CanStart(5));
        var first = running.CompleteOp();
        Assert.Empty(first.Effects);
        var second = first.State.CompleteOp();
        Assert.Equal([new PassToken(0, new RingToken(0, 6))], second.Effects);
        Assert.Null(second.State.HeldToken);
        Assert.Empty(second.State.CompleteOp().Effects);

        var middle = TokenRingState.Initial(ring, rank: 0, delay: 1).StartMicroBatch(0).CompleteOp();
        Assert.Equal([new PassToken(1, new RingToken(0, 0))], middle.Effects);
    }

    [Fact]
    public void Dp_is_never_gated()
    {
        var state = TokenRingState.Initial(RingTopology.Create(4, 0), rank: 3, delay: 0);
        Assert.True(state.CanStart(0));
        Assert.True(state.CanStart(7));
        Assert.Empty(state.StartMicroBatch(0).CompleteOp().Effects);
        Assert.Throws<InvalidOperationException>(() => state.Receive(new RingToken(0, 0)));
    }

    /// <summary>
    /// Drives one token state per worker tick by tick (one op per tick, a passed token arrives before
    /// the next tick) and checks each micro-batch starts exactly when the schedule says.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Token_passing_reproduces_the_schedule_start_ticks(int workers, int stages)
    {
        foreach (var rule in new[] { UpdateRule.CdpV1, UpdateRule.Dp })
        {
            var schedule = CdpSchedule.Create(workers, stages, rule);
            const int steps = 4;
            var starts = Simulate(schedule, steps);
            for (var worker = 0; worker < workers; worker++)
            {
                var expected = Enumerable.Range(0, steps).Select(step => schedule.StartTick(step, worker));
                Assert.Equal(expected, starts[worker].Take(steps));
            }
        }
    }

    private static List<long>[] Simulate(CdpSchedule schedule, int steps)
    {
        var ring = RingTopology.Create(schedule.Workers, epoch: 7);
        var states = Enumerable.Range(0, schedule.Workers)
            .Select(rank => TokenRingState.ForSchedule(schedule, ring, rank)).ToArray();
        var nextStep = new int[schedule.Workers];
        var opsLeft = new int[schedule.Workers];
        var starts = Enumerable.Range(0, schedule.Workers).Select(_ => new List<long>()).ToArray();
        var horizon = (steps + 1) * schedule.CycleLength + schedule.SteadyStateStartTick;
        for (long tick = 0; tick < horizon; tick++)
        {
            var inFlight = new List<PassToken>();
            for (var rank = 0; rank < schedule.Workers; rank++)
            {
                if (opsLeft[rank] == 0 && states[rank].CanStart(nextStep[rank]))
                {
                    states[rank] = states[rank].StartMicroBatch(nextStep[rank]);
                    starts[rank].Add(tick);
                    nextStep[rank]++;
                    opsLeft[rank] = schedule.CycleLength;
                }

                if (opsLeft[rank] > 0)
                {
                    opsLeft[rank]--;
                    var transition = states[rank].CompleteOp();
                    states[rank] = transition.State;
                    inFlight.AddRange(transition.Effects.Cast<PassToken>());
                }
            }

            foreach (var pass in inFlight)
            {
                Assert.Equal(ring.Epoch, pass.Token.Epoch);
                var received = states[pass.ToRank].Receive(pass.Token);
                Assert.Empty(received.Effects);
                states[pass.ToRank] = received.State;
            }
        }

        return starts;
    }
}
