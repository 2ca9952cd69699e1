using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Plan;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Tests.Plan;

/// <summary>The two ways a machine shares its slots, with start and end times worked out by hand.</summary>
public sealed class ComputeMachineTests
{
    private const double Ms = 1e-3;

    /// <summary>Runs jobs of the given seconds, all queued at time 0, and returns each one's start and end.</summary>
    private static (double Start, double End)[] RunAll(ComputeMachine machine, EventClock clock, params double[] seconds)
    {
        var times = new (double Start, double End)[seconds.Length];
        for (int job = 0; job < seconds.Length; job++)
        {
            int index = job;
            times[index] = (double.NaN, double.NaN);
            machine.Run(seconds[index], () => times[index].Start = clock.Now, () => times[index].End = clock.Now);
        }

        clock.RunAll();
        return times;
    }

    private static void AssertTimes((double Start, double End)[] expected, (double Start, double End)[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int job = 0; job < expected.Length; job++)
        {
            Assert.Equal(expected[job].Start, actual[job].Start, 9);
            Assert.Equal(expected[job].End, actual[job].End, 9);
        }
    }

    [Fact]
    public void Under_processor_sharing_every_job_starts_at_once_and_more_than_the_slots_slow_in_proportion()
    {
        var clock = new EventClock();
        var machine = new ComputeMachine(clock, slots: 2);
        AssertTimes([(0, 2 * Ms), (0, 2 * Ms), (0, 2 * Ms), (0, 2 * Ms)], RunAll(machine, clock, Ms, Ms, Ms, Ms));
        Assert.Equal(4 * Ms, machine.WorkDone, 12);
    }

    [Fact]
    public void Under_time_slicing_jobs_shorter_than_a_slice_run_whole_two_at_a_time_and_the_others_start_when_a_core_frees()
    {
        var clock = new EventClock();
        var machine = new ComputeMachine(clock, slots: 2, sliceSeconds: 1.5 * Ms);
        AssertTimes([(0, Ms), (0, Ms), (Ms, 2 * Ms), (Ms, 2 * Ms)], RunAll(machine, clock, Ms, Ms, Ms, Ms));
        Assert.Equal(4 * Ms, machine.WorkDone, 12);
    }

    [Fact]
    public void Jobs_longer_than_a_slice_take_turns_round_robin_and_each_starts_at_its_first_turn()
    {
        var clock = new EventClock();
        var machine = new ComputeMachine(clock, slots: 1, sliceSeconds: Ms);
        // A 0-1, B 1-2, C 2-3, A 3-4, B 4-5, C 5-6, A 6-7 (done), B 7-8 (done), C 8-9 (done).
        AssertTimes([(0, 7 * Ms), (Ms, 8 * Ms), (2 * Ms, 9 * Ms)], RunAll(machine, clock, 3 * Ms, 3 * Ms, 3 * Ms));
        Assert.Equal(9 * Ms, machine.WorkDone, 12);
    }

    [Fact]
    public void A_job_alone_keeps_its_core_past_its_slice()
    {
        var clock = new EventClock();
        var machine = new ComputeMachine(clock, slots: 2, sliceSeconds: Ms);
        AssertTimes([(0, 10 * Ms)], RunAll(machine, clock, 10 * Ms));
    }

    [Fact]
    public void A_fractional_slot_under_time_slicing_is_a_core_at_that_share_of_the_speed()
    {
        var clock = new EventClock();
        var machine = new ComputeMachine(clock, slots: 0.5, sliceSeconds: 10 * Ms);
        AssertTimes([(0, 2 * Ms), (2 * Ms, 4 * Ms)], RunAll(machine, clock, Ms, Ms));
        clock = new EventClock();
        machine = new ComputeMachine(clock, slots: 1.5, sliceSeconds: 10 * Ms);
        AssertTimes([(0, 4 * Ms), (0, 4 * Ms)], RunAll(machine, clock, 3 * Ms, 3 * Ms));
    }

    [Fact]
    public void Unlimited_slots_ignore_the_slice()
    {
        var clock = new EventClock();
        var machine = new ComputeMachine(clock, slots: 0, sliceSeconds: Ms);
        AssertTimes([(0, 5 * Ms), (0, 5 * Ms), (0, 5 * Ms)], RunAll(machine, clock, 5 * Ms, 5 * Ms, 5 * Ms));
    }

    [Fact]
    public void Jobs_queued_on_a_host_take_turns_with_every_machine_on_it()
    {
        var clock = new EventClock();
        var host = new ComputeMachine(clock, slots: 1, sliceSeconds: 10 * Ms);
        var first = new ComputeMachine(host);
        var second = new ComputeMachine(host);
        double secondStarted = double.NaN;
        first.Run(2 * Ms, () => { });
        second.Run(Ms, () => secondStarted = clock.Now, () => { });
        clock.RunAll();
        Assert.Equal(2 * Ms, secondStarted, 9);
        Assert.Equal(2 * Ms, first.WorkDone, 12);
        Assert.Equal(Ms, second.WorkDone, 12);
    }

    [Theory]
    [InlineData(0.5, 0.75)]
    [InlineData(1, 0.75)]
    [InlineData(2, 1.5)]
    [InlineData(3, 1.5)]
    [InlineData(4, 2.25)]
    [InlineData(8, 3.0)]
    [InlineData(64, 3.0)]
    public void Linux_slice_grows_with_the_log_of_the_cores_up_to_eight(double cores, double expectedMs) =>
        Assert.Equal(expectedMs * Ms, ComputeMachine.LinuxTimeSlice(cores), 12);

    [Fact]
    public void Under_time_slicing_a_milestone_comes_when_the_job_has_done_its_work_and_the_job_keeps_the_rest_of_its_slice()
    {
        // One core, 1 ms slices, A (2 ms) and B (1 ms) due at 0: A 0-1, B 1-2, A 2-3. A's milestone at 0.5 ms of
        // work comes at 0.5 ms, inside its first slice, which it keeps to the end; the one at 1.75 ms at 2.75 ms.
        var clock = new EventClock();
        var machine = new ComputeMachine(clock, slots: 1, sliceSeconds: Ms);
        var reached = new List<(string What, double At)>();
        machine.Run(2 * Ms, () => reached.Add(("A starts", clock.Now)), () => reached.Add(("A ends", clock.Now)),
            [new Milestone(0, () => reached.Add(("A at 0", clock.Now))), new Milestone(0.5 * Ms, () => reached.Add(("A at 0.5", clock.Now))),
                new Milestone(1.75 * Ms, () => reached.Add(("A at 1.75", clock.Now)))]);
        machine.Run(Ms, () => reached.Add(("B starts", clock.Now)), () => reached.Add(("B ends", clock.Now)));
        clock.RunAll();

        Assert.Equal(["A starts", "A at 0", "A at 0.5", "B starts", "B ends", "A at 1.75", "A ends"], reached.Select(entry => entry.What));
        Assert.Equal([0, 0, 0.5 * Ms, Ms, 2 * Ms, 2.75 * Ms, 3 * Ms], reached.Select(entry => entry.At), new ToleranceComparer(1e-12));
    }

    [Fact]
    public void Under_processor_sharing_a_milestone_comes_at_the_shared_speed_and_one_past_the_end_comes_before_the_end()
    {
        // One slot, two 2 ms jobs at half speed each: A's milestone at 1 ms of work comes at 2 ms; one at
        // 5 ms of its 2 ms comes as it ends, before its end.
        var clock = new EventClock();
        var machine = new ComputeMachine(clock, slots: 1);
        var reached = new List<(string What, double At)>();
        machine.Run(2 * Ms, null, () => reached.Add(("A ends", clock.Now)),
            [new Milestone(Ms, () => reached.Add(("A at 1", clock.Now))), new Milestone(5 * Ms, () => reached.Add(("A at 5", clock.Now)))]);
        machine.Run(2 * Ms, null, () => reached.Add(("B ends", clock.Now)));
        clock.RunAll();

        Assert.Equal(["A at 1", "A at 5", "A ends", "B ends"], reached.Select(entry => entry.What));
        Assert.Equal([2 * Ms, 4 * Ms, 4 * Ms, 4 * Ms], reached.Select(entry => entry.At), new ToleranceComparer(1e-12));
        Assert.Equal(4 * Ms, machine.WorkDone, 12);
    }

    [Fact]
    public void Temporaries_timed_inside_their_ops_are_out_for_their_part_only_where_held_for_the_whole_op_they_meet()
    {
        // One core, 0.5 ms slices, two 1 ms ops that each rent a 100-byte temporary at their start and return
        // it 0.3 ms in: the first op returns it before the second gets the core, so the pool caches one; held
        // from start to end, the two ops are both under way from 0.5 ms and the pool caches two.
        var op = new OpBuffers(new Dictionary<long, int> { [100] = 1 }, new Dictionary<long, int>(), [new BufferEvent(0, 100, 1), new BufferEvent(0.3, 100, -1)]);
        long Cached(bool timed)
        {
            var clock = new EventClock();
            var machine = new ComputeMachine(clock, slots: 1, sliceSeconds: 0.5 * Ms);
            var pool = new PerSizePool();
            for (int worker = 0; worker < 2; worker++)
            {
                if (timed)
                {
                    machine.Run(Ms, null, () => { }, [.. op.Events!.Select(change => new Milestone(change.At * Ms, () => pool.Changed(change.Bytes, change.Change)))]);
                }
                else
                {
                    machine.Run(Ms, () => pool.Started(op), () => pool.Finished(op));
                }
            }

            clock.RunAll();
            return pool.CachedBytes;
        }

        Assert.Equal(100, Cached(timed: true));
        Assert.Equal(200, Cached(timed: false));
    }

    [Fact]
    public void Ops_whose_timed_buffers_all_come_at_their_start_and_go_at_their_end_plan_as_ops_held_whole()
    {
        // The timed path reduces to the whole-op one when nothing happens inside an op: rents at 0, returns
        // and what stays at 1 (in the order a window records them: the most, then back down to the net).
        static OpBuffers Whole(Dictionary<long, int> most, Dictionary<long, int> net) => new(most, net);
        static OpBuffers AtTheEnds(OpBuffers op) => op with
        {
            Events = [.. op.MostAdded.SelectMany(size => Enumerable.Repeat(new BufferEvent(0, size.Key, 1), size.Value)),
                .. op.MostAdded.SelectMany(size => Enumerable.Repeat(new BufferEvent(1, size.Key, -1), size.Value - Math.Max(0, op.NetAdded.GetValueOrDefault(size.Key)))),
                .. op.NetAdded.Where(size => size.Value < 0).SelectMany(size => Enumerable.Repeat(new BufferEvent(1, size.Key, -1), -size.Value)),
                .. op.NetAdded.Where(size => size.Value > 0 && !op.MostAdded.ContainsKey(size.Key)).SelectMany(size => Enumerable.Repeat(new BufferEvent(1, size.Key, 1), size.Value))],
        };
        var stages = Enumerable.Range(0, 2).Select(stage => new StageCost(Ms, 2 * Ms, 0, 0, 1000, ActivationBytes: 300, WorkspaceBytes: 100,
            ForwardBuffers: Whole(new() { [300] = 1, [101 + stage] = 1 }, new() { [300] = 1 }), BackwardBuffers: Whole(new() { [111 + stage] = 1 }, new() { [300] = -1 }))).ToArray();
        foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2 })
        {
            foreach (double slice in new[] { 0, 1.5 * Ms })
            {
                PlanScenario Scenario(IEnumerable<StageCost> costs) => new(4, 32, rule, [.. costs.Select(stage => stage with { ForwardSpread = 0.5, BackwardSpread = 0.5 })],
                    new MachineLayout(1, 2, SliceSeconds: slice), TransportModel.Unlimited, PacingMode.None, Steps: 24);
                var whole = RuntimePlanner.Plan(Scenario(stages)).Machines.Single();
                var timed = RuntimePlanner.Plan(Scenario(stages.Select(stage => stage with { ForwardBuffers = AtTheEnds(stage.ForwardBuffers!), BackwardBuffers = AtTheEnds(stage.BackwardBuffers!) }))).Machines.Single();
                Assert.Equal(whole.OpBuffersCachedBytes, timed.OpBuffersCachedBytes);
                Assert.Equal(whole.OpBuffersSteadyCachedBytes, timed.OpBuffersSteadyCachedBytes);
                Assert.Equal(whole.OpBuffersCachedBoundBytes, timed.OpBuffersCachedBoundBytes);
            }
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void Dp_workers_whose_ops_are_shorter_than_a_slice_rent_their_temporaries_two_cores_at_a_time()
    {
        // Four DP workers on two cores: under processor sharing every worker is inside the same op at once,
        // so the pool caches four of each temporary; with ops shorter than the slice, two run at a time.
        static OpBuffers Op(Dictionary<long, int> most, Dictionary<long, int> net) => new(most, net);
        var stages = Enumerable.Range(0, 2).Select(_ => new StageCost(Ms, Ms, 0, 0, 1000, ActivationBytes: 300, WorkspaceBytes: 100,
            ForwardBuffers: Op(new() { [300] = 1, [100] = 1 }, new() { [300] = 1 }), BackwardBuffers: Op(new() { [100] = 1 }, new() { [300] = -1 }))).ToArray();
        MachinePlan Plan(double slice) => RuntimePlanner.Plan(new PlanScenario(4, 32, UpdateRule.Dp, stages, new MachineLayout(1, 2, SliceSeconds: slice),
            TransportModel.Unlimited, PacingMode.None, Steps: 8)).Machines.Single();
        var shared = Plan(0);
        var sliced = Plan(2 * Ms);
        Assert.Equal(4 * ((2 * 300) + 100), shared.OpBuffersCachedBytes);
        Assert.Equal((4 * 2 * 300) + (2 * 100), sliced.OpBuffersCachedBytes);
    }

    [Fact]
    public void With_varying_op_times_staggered_workers_meet_and_the_plan_keeps_their_mean_meeting_while_step_time_stays_the_steady_runs()
    {
        // Two CDP workers on one machine: steady op times keep them two ops apart, so they never hold the
        // same temporary at once; ops whose times vary by 100 % drift them into each other.
        static OpBuffers Op(Dictionary<long, int> most, Dictionary<long, int> net) => new(most, net);
        var stages = Enumerable.Range(0, 2).Select(stage => new StageCost(Ms, Ms, 0, 0, 1000, ActivationBytes: 300, WorkspaceBytes: 100,
            ForwardBuffers: Op(new() { [300] = 1, [101 + stage] = 1 }, new() { [300] = 1 }), BackwardBuffers: Op(new() { [111 + stage] = 1 }, new() { [300] = -1 }))).ToArray();
        PlanScenario Scenario(double spread) => new(2, 32, UpdateRule.CdpV1, [.. stages.Select(stage => stage with { ForwardSpread = spread, BackwardSpread = spread })],
            new MachineLayout(1, 0), TransportModel.Unlimited, PacingMode.None, Steps: 48);
        var steady = RuntimePlanner.Plan(Scenario(0));
        var varying = RuntimePlanner.Plan(Scenario(1.0));
        var machine = varying.Machines.Single();

        Assert.Null(steady.Machines.Single().OpBuffersSteadyCachedBytes);
        Assert.Equal(steady.Machines.Single().OpBuffersCachedBytes, machine.OpBuffersSteadyCachedBytes);
        Assert.True(machine.OpBuffersCachedBytes > machine.OpBuffersSteadyCachedBytes, $"{machine.OpBuffersCachedBytes} against steady {machine.OpBuffersSteadyCachedBytes}");
        Assert.InRange(machine.OpBuffersCachedBytes!.Value, 0, machine.OpBuffersCachedBoundBytes!.Value);
        Assert.Equal(steady.StepSeconds, varying.StepSeconds);
        // The draws are seeded: the same scenario plans the same.
        Assert.Equal(machine.OpBuffersCachedBytes, RuntimePlanner.Plan(Scenario(1.0)).Machines.Single().OpBuffersCachedBytes);
    }
}
