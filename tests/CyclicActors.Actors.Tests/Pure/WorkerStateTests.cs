using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Workers;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class WorkerStateTests
{
    private static WorkerState Create(CdpSchedule schedule, int rank, int steps, DelayCompensation compensation = DelayCompensation.None) =>
        new(schedule, rank, steps, compensation, TokenRingState.ForSchedule(schedule, RingTopology.Create(schedule.Workers, 1), rank));

    private static ParametersPublished Published(int stage, int version) => new(stage, version, [version], []);

    [Fact]
    public void Waits_for_the_token_then_the_required_version_and_hands_over_that_payload()
    {
        var schedule = CdpSchedule.Create(2, 2, UpdateRule.CdpV1);
        var worker = Create(schedule, rank: 1, steps: 2);
        Assert.Equal(new WaitForToken(0), worker.Decide());
        worker.TokenArrived(new RingToken(1, 0));
        Assert.Equal(new WaitForParameters(0, 0), worker.Decide());
        var published = Published(0, 0);
        worker.ParametersArrived(published);
        // The first micro-batch starts only once every stage's version for it is here.
        Assert.Equal(new WaitForParameters(1, 0), worker.Decide());
        worker.ParametersArrived(Published(1, 0));
        var run = Assert.IsType<RunOp>(worker.Decide());
        Assert.Equal((1, OpKind.Forward, 0, true), (run.Op.Stage, run.Op.Kind, run.Version, run.LoadFirst));
        Assert.Equal(schedule.TickOf(0, 1, 1, OpKind.Forward), run.Op.Tick);
        Assert.Same(published, worker.ParametersToLoad(run));
    }

    [Theory]
    [InlineData(UpdateRule.Dp, 0)]
    [InlineData(UpdateRule.CdpV1, 0)]
    [InlineData(UpdateRule.CdpV2, 0)]
    [InlineData(UpdateRule.Dp, 5)]
    [InlineData(UpdateRule.CdpV1, 5)]
    [InlineData(UpdateRule.CdpV2, 5)]
    public void Only_the_first_micro_batch_waits_for_every_stage_the_later_ones_wait_stage_by_stage(UpdateRule rule, int firstStep)
    {
        var schedule = CdpSchedule.Create(1, 3, rule);
        var worker = new WorkerState(schedule, 0, firstStep + 2, DelayCompensation.None,
            TokenRingState.ForSchedule(schedule, RingTopology.Create(1, 1), 0, firstStep), firstStep);
        // The first micro-batch (step 0, or the step a resumed run starts at) names each stage still missing.
        for (int stageIndex = 0; stageIndex < 3; stageIndex++)
        {
            int required = schedule.RequiredVersion(firstStep, 0, stageIndex + 1);
            Assert.Equal(new WaitForParameters(stageIndex, required), worker.Decide());
            worker.ParametersArrived(Published(stageIndex, required));
        }

        RunOp run;
        while ((run = Assert.IsType<RunOp>(worker.Decide())).Op.Step == firstStep)
        {
            foreach (var pass in worker.Complete(run).TokenEffects.OfType<PassToken>())
            {
                worker.TokenArrived(pass.Token);
            }

            if (worker.Decide() is WaitForParameters wait)
            {
                // Only the next micro-batch's first forward can be waiting: stage 1's next version.
                Assert.Equal(new WaitForParameters(0, schedule.RequiredVersion(firstStep + 1, 0, 1)), wait);
                worker.ParametersArrived(Published(0, wait.Version));
            }
        }

        // The next micro-batch starts with only stage 1's version in hand, the later stages' not yet published.
        Assert.Equal((firstStep + 1, 1, OpKind.Forward), (run.Op.Step, run.Op.Stage, run.Op.Kind));
    }

    [Fact]
    public void Under_zero_the_first_forward_runs_with_its_own_stage_alone()
    {
        var schedule = CdpSchedule.Create(1, 2, UpdateRule.CdpV1);
        var worker = new WorkerState(schedule, 0, 2, DelayCompensation.None, TokenRingState.ForSchedule(schedule, RingTopology.Create(1, 1), 0), holdsOnlyInUse: true);
        worker.ParametersArrived(Published(0, 0));
        var run = Assert.IsType<RunOp>(worker.Decide());
        Assert.Equal((1, OpKind.Forward), (run.Op.Stage, run.Op.Kind));
    }

    [Fact]
    public void Under_zero_a_stage_is_held_from_its_forward_to_its_backward_and_theta_0_may_come_twice()
    {
        var schedule = CdpSchedule.Create(1, 2, UpdateRule.CdpV1);
        var worker = new WorkerState(schedule, 0, 2, DelayCompensation.None, TokenRingState.ForSchedule(schedule, RingTopology.Create(1, 1), 0), holdsOnlyInUse: true);
        // θ_0 is read by steps 0 and 1 under CDP-v1: the owner sends a copy for each.
        foreach (var stage in new[] { 0, 1, 0, 1 })
        {
            worker.ParametersArrived(Published(stage, 0));
        }

        var loads = new List<(int Stage, int Version)>();
        while (worker.Decide() is RunOp run)
        {
            if (run.LoadFirst)
            {
                Assert.Same(worker.Held(run.StageIndex, run.Version), worker.ParametersToLoad(run));
                loads.Add((run.StageIndex, run.Version));
            }

            var completion = worker.Complete(run);
            if (run.Op.Kind == OpKind.Backward && run.Op.Step == 1)
            {
                // The last copy goes with the backward that used it.
                Assert.Equal([0], completion.DroppedVersions);
                Assert.Empty(worker.HeldVersions(run.StageIndex));
            }

            foreach (var pass in completion.TokenEffects.OfType<PassToken>())
            {
                worker.TokenArrived(pass.Token);
            }
        }

        // Every forward loads: the backward before it dropped the stage.
        Assert.Equal([(0, 0), (1, 0), (0, 0), (1, 0)], loads);
    }

    [Fact]
    public void Runs_the_schedules_op_stream_and_keeps_only_the_versions_it_will_still_read()
    {
        var schedule = CdpSchedule.Create(1, 2, UpdateRule.CdpV1);
        var worker = Create(schedule, rank: 0, steps: 3);
        worker.ParametersArrived(Published(0, 0));
        worker.ParametersArrived(Published(1, 0));
        var ops = new List<ScheduledOp>();
        while (worker.Decide() is RunOp run)
        {
            ops.Add(run.Op);
            if (run.Op.Kind == OpKind.Backward)
            {
                worker.ParametersArrived(Published(run.StageIndex, run.Op.Step + 1));
            }

            foreach (var pass in worker.Complete(run).TokenEffects.OfType<PassToken>())
            {
                worker.TokenArrived(pass.Token);
            }
        }

        Assert.Equal(Enumerable.Range(0, 3).SelectMany(step => Enumerable.Range(0, 4).Select(index => schedule.OpOf(0, step, index))), ops);
        // CDP-v1 reads θ_{k−1} at step k: after step 2 loaded θ_1, θ_0 is gone and θ_1..θ_3 remain.
        Assert.Equal([1, 2, 3], worker.HeldVersions(0));
        Assert.False(worker.ParametersArrived(Published(0, 0)));
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
                state.ParametersArrived(Published(stage, 0));
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
                    state.ParametersArrived(Published(op.Stage - 1, published[op.Stage - 1]));
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
            state.ParametersArrived(Published(0, 0));
            while (state.Decide() is RunOp run)
            {
                if (run.LoadFirst)
                {
                    loads.Add($"{name} s{run.Op.Step} v{run.Version}{(run.Lookahead ? " e" : string.Empty)}");
                }

                if (run.Op.Kind == OpKind.Backward)
                {
                    state.ParametersArrived(Published(0, run.Op.Step + 1));
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
