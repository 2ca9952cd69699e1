using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Workers;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class WorkerStateTests
{
    private static WorkerState Create(CdpSchedule schedule, int rank, int steps, DelayCompensation compensation = DelayCompensation.None) =>
        new(schedule, rank, steps, compensation, TokenRingState.ForSchedule(schedule, RingTopology.Create(schedule.Workers, 1), rank));

    [Fact]
    public void Waits_for_token_then_data_then_the_required_version()
    {
        var schedule = CdpSchedule.Create(2, 2, UpdateRule.CdpV1);
        var worker = Create(schedule, rank: 1, steps: 2);
        Assert.Equal(new WaitForToken(0), worker.Decide());
        worker.TokenArrived(new RingToken(1, 0));
        Assert.Equal(new WaitForData(0), worker.Decide());
        worker.DataArrived(0);
        Assert.Equal(new WaitForParameters(0, 0), worker.Decide());
        worker.ParametersArrived(0, 0);
        var run = Assert.IsType<RunOp>(worker.Decide());
        Assert.Equal((1, OpKind.Forward, 0, true), (run.Op.Stage, run.Op.Kind, run.Version, run.LoadFirst));
        Assert.Equal(schedule.TickOf(0, 1, 1, OpKind.Forward), run.Op.Tick);
    }

    /// <summary>
    /// Drives all N worker states and L reducers' version counters through direct calls, in an
    /// order chosen by a seeded generator, and checks every op against the schedule's rule: the
    /// token gates the starts, each op reads exactly <see cref="CdpSchedule.RequiredVersion"/>,
    /// and forward and backward of a (micro-batch, stage) read the same version.
    /// </summary>
    [Theory]
    [InlineData(UpdateRule.Dp, 4, 4, V2FreshnessRule.Schedule)]
    [InlineData(UpdateRule.CdpV1, 4, 4, V2FreshnessRule.Schedule)]
    [InlineData(UpdateRule.CdpV1, 8, 4, V2FreshnessRule.Schedule)]
    [InlineData(UpdateRule.CdpV2, 8, 4, V2FreshnessRule.Schedule)]
    [InlineData(UpdateRule.CdpV2, 8, 4, V2FreshnessRule.PaperCode)]
    [InlineData(UpdateRule.CdpV2, 2, 4, V2FreshnessRule.PaperCode)]
    public void Worker_states_and_token_ring_run_every_op_at_the_rules_version(UpdateRule rule, int workers, int stages, V2FreshnessRule freshness)
    {
        const int steps = 5;
        var schedule = CdpSchedule.Create(workers, stages, rule, freshness);
        var states = Enumerable.Range(0, workers).Select(rank => Create(schedule, rank, steps)).ToArray();
        var contributions = new int[steps, stages];
        var published = new int[stages];
        var forwardVersion = new Dictionary<(int Rank, int Step, int Stage), int>();
        var random = new Random(rule.GetHashCode() * 31 + workers);
        var started = new List<(int Rank, int Step)>();
        foreach (var state in states)
        {
            for (int stage = 0; stage < stages; stage++)
            {
                state.ParametersArrived(stage, 0);
            }

            for (int step = 0; step < steps; step++)
            {
                state.DataArrived(step);
            }
        }

        while (states.Any(s => s.Decide() is not Finished))
        {
            var runnable = states.Where(s => s.Decide() is RunOp).ToArray();
            Assert.NotEmpty(runnable); // otherwise the protocol deadlocked
            var worker = runnable[random.Next(runnable.Length)];
            var run = (RunOp)worker.Decide();
            var op = run.Op;
            Assert.Equal(schedule.RequiredVersion(op.Step, worker.Rank, op.Stage), run.Version);
            if (op.Kind == OpKind.Forward)
            {
                forwardVersion[(worker.Rank, op.Step, op.Stage)] = run.Version;
            }
            else
            {
                Assert.Equal(forwardVersion[(worker.Rank, op.Step, op.Stage)], run.Version);
            }

            if (run.StartsMicroBatch)
            {
                started.Add((worker.Rank, op.Step));
            }

            var completion = worker.Complete(run);
            foreach (var pass in completion.TokenEffects.OfType<PassToken>())
            {
                states[pass.ToRank].TokenArrived(pass.Token);
            }

            if (op.Kind == OpKind.Backward && ++contributions[op.Step, op.Stage - 1] == workers)
            {
                Assert.Equal(op.Step, published[op.Stage - 1]);
                published[op.Stage - 1]++;
                foreach (var state in states)
                {
                    state.ParametersArrived(op.Stage - 1, published[op.Stage - 1]);
                }
            }
        }

        Assert.All(published, version => Assert.Equal(steps, version));
        if (rule != UpdateRule.Dp)
        {
            // The token makes micro-batches start in ring order: (0,0), (1,0), ..., (N−1,0), (0,1), ...
            var ringOrder = Enumerable.Range(0, steps).SelectMany(step => Enumerable.Range(0, workers).Select(rank => (rank, step)));
            Assert.Equal(ringOrder, started);
        }
    }

    [Fact]
    public void A_stage_switches_version_only_at_its_forward_and_lookahead_reloads_every_stale_step()
    {
        var schedule = CdpSchedule.Create(1, 1, UpdateRule.CdpV1);
        var plain = Create(schedule, 0, steps: 3);
        var lookahead = Create(schedule, 0, steps: 3, DelayCompensation.Lookahead);
        var loads = new List<string>();
        foreach (var (state, name) in new[] { (plain, "none"), (lookahead, "lookahead") })
        {
            for (int step = 0; step < 3; step++)
            {
                state.DataArrived(step);
            }

            state.ParametersArrived(0, 0);
            while (state.Decide() is RunOp run)
            {
                if (run.LoadFirst)
                {
                    loads.Add($"{name} s{run.Op.Step} v{run.Version}{(run.Lookahead ? " e" : string.Empty)}");
                }

                if (run.Op.Kind == OpKind.Backward)
                {
                    state.ParametersArrived(0, run.Op.Step + 1);
                }

                var completion = state.Complete(run);
                foreach (var pass in completion.TokenEffects.OfType<PassToken>())
                {
                    state.TokenArrived(pass.Token);
                }
            }
        }

        Assert.Equal(["none s0 v0", "none s2 v1", "lookahead s0 v0", "lookahead s1 v0 e", "lookahead s2 v1 e"], loads);
    }

    [Fact]
    public void Lookahead_is_refused_for_dp()
    {
        var schedule = CdpSchedule.Create(2, 2, UpdateRule.Dp);
        Assert.Throws<ArgumentException>(() => Create(schedule, 0, 1, DelayCompensation.Lookahead));
    }
}
