using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Plan;
using CyclicActors.Actors.Schedule;
using static CyclicActors.Actors.Tests.Plan.PlanScenarios;

namespace CyclicActors.Actors.Tests.Plan;

public sealed class RuntimeSimulationTests
{
    public static TheoryData<UpdateRule> Rules => [UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2];

    [Theory]
    [MemberData(nameof(Rules))]
    public void One_machine_with_a_slot_per_worker_and_free_reducers_steps_every_2L_op_times(UpdateRule rule)
    {
        // N = L = 4, every op 1 ms: one micro-batch is 8 ops and the N run side by side, whatever the rule.
        var plan = RuntimePlanner.Plan(Scenario(4, rule, EqualStages(4, 0.001)));

        Assert.Equal(0.008, plan.StepSeconds, 9);
        Assert.Equal(4 * 32 / 0.008, plan.SamplesPerSecond, 3);
        Assert.Empty(plan.Links);
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void One_slot_shared_by_n_workers_is_compute_bound_at_n_times_the_micro_batch(UpdateRule rule)
    {
        // One slot runs one op at full speed: a step is all N·2L ops back to back, 32 ms.
        var plan = RuntimePlanner.Plan(Scenario(4, rule, EqualStages(4, 0.001), slots: 1));

        Assert.Equal(0.032, plan.StepSeconds, 9);
        Assert.Equal(1.0, plan.Machines[0].ComputeBusyFraction, 1);
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Half_a_slot_runs_the_compute_bound_step_at_half_speed(UpdateRule rule)
    {
        // As one slot (32 ms), at half the speed: four processes sharing two cores give each half of one.
        var plan = RuntimePlanner.Plan(Scenario(4, rule, EqualStages(4, 0.001), slots: 0.5));

        Assert.Equal(0.064, plan.StepSeconds, 9);
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Machines_on_one_host_share_its_cores_as_one_pool(UpdateRule rule)
    {
        // A worker on each of 4 machines, 8 ops of 1 ms a step: on machines of their own a step is 8 ms;
        // on one host of 2 cores the 4 workers' 32 ms of ops take 16 ms, each machine a quarter of the host.
        PlanScenario OnHost(double cores, double slots = 0) =>
            Scenario(4, rule, EqualStages(4, 0.001), machines: 4, slots: slots) with { Layout = new MachineLayout(4, slots, SharedCores: cores) };

        Assert.Equal(0.008, RuntimePlanner.Plan(OnHost(0, slots: 1)).StepSeconds, 9);
        var twoCores = RuntimePlanner.Plan(OnHost(2));
        Assert.Equal(0.016, twoCores.StepSeconds, 9);
        Assert.All(twoCores.Machines, machine => Assert.Equal(0.25, machine.ComputeBusyFraction, 1));
        Assert.Equal(0.008, RuntimePlanner.Plan(OnHost(4)).StepSeconds, 9);
    }

    [Fact]
    public void On_one_host_a_busier_machine_takes_more_than_an_even_share_of_the_cores()
    {
        // DP, 3 workers on 2 machines (ranks 0 and 1 on machine 0): a slot each holds machine 0 to 16 ms a
        // step, while the host's 2 cores run the 3 workers' 24 ms of ops in 12 ms.
        var stages = EqualStages(4, 0.001);
        var apart = RuntimePlanner.Plan(Scenario(3, UpdateRule.Dp, stages, machines: 2, slots: 1));
        var host = RuntimePlanner.Plan(Scenario(3, UpdateRule.Dp, stages, machines: 2) with { Layout = new MachineLayout(2, 0, SharedCores: 2) });

        Assert.Equal(0.016, apart.StepSeconds, 9);
        Assert.Equal(0.012, host.StepSeconds, 9);
        Assert.Throws<ArgumentException>(() => RuntimeSimulation.Run(Scenario(3, UpdateRule.Dp, stages, machines: 2) with { Layout = new MachineLayout(2, 0, SharedCores: -1) }));
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Work_beside_the_ops_holds_no_op_back_but_takes_its_share_of_the_slots(UpdateRule rule)
    {
        // 0.5 ms beside every 1 ms op: with a slot per worker and more, nothing waits for it; on one
        // slot, the N·2L ops and their N·2L halves fill it back to back, 48 ms a step.
        var beside = EqualStages(4, 0.001).Select(stage => stage with { BesideSeconds = 0.0005 }).ToArray();

        var unlimited = RuntimePlanner.Plan(Scenario(4, rule, beside));
        var oneSlot = RuntimePlanner.Plan(Scenario(4, rule, beside, slots: 1));

        Assert.Equal(0.008, unlimited.StepSeconds, 9);
        Assert.Equal(0.048, oneSlot.StepSeconds, 6);
    }

    [Theory]
    [InlineData(UpdateRule.Dp, false, 0.011)]
    [InlineData(UpdateRule.CdpV1, false, 0.012)]
    [InlineData(UpdateRule.CdpV1, true, 0.014)]
    public void A_workers_loads_and_hand_offs_lengthen_its_ops_and_the_token_ring_binds_cdp_when_forwards_are_the_longer_ops(UpdateRule rule, bool lookahead, double expected)
    {
        // Forwards 1 + 0.5 ms (load) [+ 0.25 ms look-ahead when stale], backwards 1 + 0.25 ms (hand-off). DP: a micro-batch, 4·1.5 + 4·1.25 = 11 ms.
        // CDP (δ = 2): the token goes round after each rank's F1, F2, so a step lasts at least N·2 forwards: 12 ms, or 14 with look-ahead.
        var stages = Enumerable.Range(0, 4).Select(_ => new StageCost(0.001, 0.001, 0, 0, 100, 1000, LoadSeconds: 0.0005, LookaheadSeconds: 0.00025, HandoffSeconds: 0.00025)).ToArray();
        var scenario = Scenario(4, rule, stages) with
        {
            Compensation = lookahead ? CyclicActors.Actors.Compensation.DelayCompensation.Lookahead : CyclicActors.Actors.Compensation.DelayCompensation.None,
        };

        Assert.Equal(expected, RuntimePlanner.Plan(scenario).StepSeconds, 9);
    }

    [Fact]
    public void A_long_run_with_uneven_sharing_ends_and_keeps_the_compute_bound()
    {
        // 8 workers on 3 slots, ops of 1 s, 120 steps (some 640 s): each op runs at 3/8 speed, a step is 2 × 8/3 s.
        var plan = RuntimePlanner.Plan(Scenario(8, UpdateRule.Dp, EqualStages(1, 1.0), slots: 3, steps: 120));

        Assert.Equal(16.0 / 3, plan.StepSeconds, 6);
    }

    [Fact]
    public void Dp_without_compute_steps_at_a_gradient_and_a_publication_over_the_link()
    {
        // Worker 1 on machine 1, the reducer on machine 0: its gradient crosses (P/B + λ), the new version crosses back (P/B + λ).
        const long floats = 250_000; // 1 MB: one chunk
        var transport = new TransportModel(ChunkBytes: 1 << 20, WindowChunks: 8, BandwidthBytesPerSecond: 100e6, LatencySeconds: 0.002);
        var plan = RuntimePlanner.Plan(Scenario(2, UpdateRule.Dp, EqualStages(1, 0, floats), machines: 2, transport: transport));

        Assert.Equal(2 * ((1e6 / 100e6) + 0.002), plan.StepSeconds, 9);
        Assert.All(plan.Links, link => Assert.Equal(1e6, link.BytesPerStep));
    }

    [Fact]
    public void The_transports_cpu_per_byte_is_spent_at_both_ends_of_every_crossing_and_slows_only_a_machine_short_of_slots()
    {
        // DP, one 1 MB stage, a worker on each of two machines, the reducer on machine 0: each step worker 1's
        // gradient crosses to machine 0 and the new version crosses back, each costing its sender and its
        // receiver 1 ms of CPU at 1 ns a byte: 4 ms of work per machine and step with the 2 ms of ops, and
        // 1 ms more each for version 0, which the reducer publishes to machine 1 before step 0.
        const long floats = 250_000;
        var stages = EqualStages(1, 0.001, floats);
        var transport = TransportModel.Unlimited with { EndpointCpuSecondsPerByte = 1e-9 };
        var unlimited = RuntimeSimulation.Run(Scenario(2, UpdateRule.Dp, stages, machines: 2, transport: transport));
        var oneSlot = RuntimePlanner.Plan(Scenario(2, UpdateRule.Dp, stages, machines: 2, slots: 1, transport: transport));
        var withoutCost = RuntimePlanner.Plan(Scenario(2, UpdateRule.Dp, stages, machines: 2, slots: 1));
        var oneMachine = RuntimeSimulation.Run(Scenario(2, UpdateRule.Dp, stages, transport: transport));

        Assert.All(unlimited.ComputeWorkSeconds, work => Assert.Equal((12 * 0.004) + 0.001, work, 9));
        Assert.Equal(0.002, RuntimePlanner.Plan(Scenario(2, UpdateRule.Dp, stages, machines: 2, transport: transport)).StepSeconds, 9);
        Assert.Equal(0.002, withoutCost.StepSeconds, 9);
        Assert.InRange(oneSlot.StepSeconds, 0.004 - 1e-9, 0.005);
        // On one machine nothing crosses: only the two workers' ops.
        Assert.Equal(12 * 2 * 0.002, oneMachine.ComputeWorkSeconds[0], 9);
    }

    [Theory]
    [InlineData(UpdateRule.Dp, DelayCompensation.None, 2)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.None, 3)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.Lookahead, 6)]
    public void A_cut_every_k_steps_carries_its_parts_to_the_seed_and_costs_the_step_only_where_it_shares_a_nic(UpdateRule rule, DelayCompensation compensation, int parts)
    {
        // N = 2, L = 1, one 1 MB stage, a worker on each of two machines: a cut every 2 steps holds θ and the
        // momentum, under CDP θ_{k−1}, and with look-ahead its momentum and the N last gradients too.
        const long floats = 250_000;
        var transport = new TransportModel(ChunkBytes: 1 << 20, WindowChunks: 8, BandwidthBytesPerSecond: 100e6, LatencySeconds: 0);
        PlanScenario Cuts(int cutEvery, int machines = 2, TransportModel? over = null) =>
            Scenario(2, rule, EqualStages(1, 0.001, floats), machines: machines, transport: over ?? transport) with { Compensation = compensation, CutEvery = cutEvery };

        var cutting = RuntimePlanner.Plan(Cuts(2));
        var none = RuntimePlanner.Plan(Cuts(0));

        var cuts = Assert.Single(cutting.Links, link => link.Kind == "cuts");
        Assert.Equal((0, 2), (cuts.From, cuts.To));
        // Versions 2, 4, …, 12 of 12 steps: one cut every 2 steps.
        Assert.Equal(parts * 1e6 / 2, cuts.BytesPerStep, 3);
        Assert.DoesNotContain(none.Links, link => link.Kind == "cuts");
        Assert.DoesNotContain(RuntimePlanner.Plan(Cuts(2, machines: 1)).Links, link => link.Kind == "cuts");
        // On a link of its own a cut holds nothing back; sharing the reducer's interface it delays the publications.
        Assert.Equal(none.StepSeconds, cutting.StepSeconds, 9);
        var nic = transport with { NicBytesPerSecond = 100e6 };
        Assert.True(RuntimePlanner.Plan(Cuts(2, over: nic)).StepSeconds > RuntimePlanner.Plan(Cuts(0, over: nic)).StepSeconds);
    }

    [Fact]
    public void A_negative_or_infinite_cpu_per_byte_is_refused()
    {
        foreach (var perByte in new[] { -1e-9, double.PositiveInfinity, double.NaN })
        {
            var scenario = Scenario(2, UpdateRule.Dp, EqualStages(1, 0.001), machines: 2, transport: TransportModel.Unlimited with { EndpointCpuSecondsPerByte = perByte });
            var error = Assert.Throws<ArgumentException>(() => RuntimeSimulation.Run(scenario));
            Assert.Contains("CPU per byte", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Version_0_crosses_the_links_before_step_0_as_every_later_version_does()
    {
        // DP, a worker on each of two machines, L = 2 with 1 ms ops: stage 1's reducer on machine 0, stage 2's on
        // machine 1, links of 5 ms latency. The reducers start by publishing version 0, so each worker's far stage
        // has it only at 5 ms, and a worker's first micro-batch starts once it has every stage's. Worker 0: F_1 5–6,
        // F_2 6–7, B_2 7–8 (its gradient at machine 1 at 13), B_1 8–9. Worker 1: the same (B_1's gradient at
        // machine 0 at 14): step 0 is committed at 14 ms, where version 0 already everywhere would have made it 9 ms.
        var transport = TransportModel.Unlimited with { LatencySeconds = 0.005 };
        var plan = RuntimePlanner.Plan(Scenario(2, UpdateRule.Dp, EqualStages(2, 0.001), machines: 2, transport: transport));

        Assert.Equal(0.014, plan.FirstStepSeconds, 9);
        // Version 0 is start-up traffic: per step, each link carries one gradient and one publication of the stage its far end owns.
        Assert.All(plan.Links, link => Assert.Equal(2 * 1000 * sizeof(float), link.BytesPerStep));
    }

    [Fact]
    public void The_first_micro_batch_starts_once_every_stage_has_its_version_as_the_runtimes_worker_does()
    {
        // CDP-v1, a worker on each of two machines, L = 2 with 1 ms ops, links of 5 ms latency (stage 1's reducer on
        // machine 0, stage 2's on machine 1). Worker 0 waits for stage 2's version 0 until 5 ms: F_1 5–6, F_2 6–7, and
        // the token (δ = 2 ops) reaches worker 1 at 12: F_1 12–13, F_2 13–14, B_2 14–15, B_1 15–16, its gradient at
        // machine 0 at 21, which commits step 0. Starting F_1 at 0 and waiting inside the micro-batch, worker 0 would
        // have passed the token at 6 and step 0 would have been committed at 20 ms.
        var transport = TransportModel.Unlimited with { LatencySeconds = 0.005 };
        var plan = RuntimePlanner.Plan(Scenario(2, UpdateRule.CdpV1, EqualStages(2, 0.001), machines: 2, transport: transport));

        Assert.Equal(0.021, plan.FirstStepSeconds, 9);
    }

    [Fact]
    public void A_parameter_free_stage_costs_its_messages_one_latency_and_carries_no_bytes()
    {
        // Stage 1 has no parameters (a ReLU of its own), stage 2 has 1 MB: only stage 2's gradient and version cross,
        // each P/B + λ, while stage 1's empty report and publication take λ each and are off the critical path.
        var stages = new[] { new StageCost(0, 0, 0, 0, 0, 1000), new StageCost(0, 0, 0, 0, 250_000, 1000) };
        var transport = new TransportModel(ChunkBytes: 1 << 20, WindowChunks: 8, BandwidthBytesPerSecond: 100e6, LatencySeconds: 0.002);
        var plan = RuntimePlanner.Plan(Scenario(2, UpdateRule.Dp, stages, machines: 2, transport: transport));

        Assert.Equal(2 * ((1e6 / 100e6) + 0.002), plan.StepSeconds, 9);
        Assert.Equal(2, plan.Links.Count);
        Assert.All(plan.Links, link => Assert.Equal(1e6, link.BytesPerStep));
    }

    [Fact]
    public void A_nic_cap_shares_the_reducers_machine_among_the_gradients_converging_on_it_and_among_its_publications()
    {
        // N = K = 3, L = 1, the reducer on machine 0. Without a cap each link carries P in P/B: a step is a gradient and a publication, 2P/B + 2λ.
        // Through machine 0's interfaces of the same rate the two gradients come in sharing its incoming half and half (2P/B), and
        // the two publications go out sharing its outgoing (2P/B): 4P/B + 2λ.
        const long floats = 250_000;
        var transport = new TransportModel(1 << 20, 8, 100e6, 0.001);
        var free = RuntimePlanner.Plan(Scenario(3, UpdateRule.Dp, EqualStages(1, 0, floats), machines: 3, transport: transport));
        var capped = RuntimePlanner.Plan(Scenario(3, UpdateRule.Dp, EqualStages(1, 0, floats), machines: 3, transport: transport with { NicBytesPerSecond = 100e6 }));

        Assert.Equal((2 * 0.01) + (2 * 0.001), free.StepSeconds, 9);
        Assert.Equal((4 * 0.01) + (2 * 0.001), capped.StepSeconds, 9);
        Assert.Equal(free.BytesPerStep, capped.BytesPerStep);
    }

    [Fact]
    public void When_folding_dominates_the_single_reducer_per_stage_sets_the_step_and_is_always_busy()
    {
        // Ops 0.1 ms, each of the 8 contributions 1 ms to fold on the stage's one reducer. DP: after a commit the workers' F and B
        // (0.2 ms), then 8 folds one after the other: 8.2 ms a step, the reducer resting only for those 0.2 ms.
        var stages = new[] { new StageCost(0.0001, 0.0001, 0.001, 0, 100, 1000) };
        var plan = RuntimePlanner.Plan(Scenario(8, UpdateRule.Dp, stages, steps: 40));

        Assert.Equal(0.0082, plan.StepSeconds, 9);
        Assert.InRange(plan.ReducerBusy, 0.95, (8.0 / 8.2) + 1e-9);
        Assert.Equal(0, plan.NicBusy);
    }

    [Fact]
    public void Reducer_shards_fold_their_slices_side_by_side_so_the_folding_bound_step_shrinks_with_them()
    {
        // As above, with each stage's reducer in 4 shards of 25 floats on the one machine: each folds its
        // quarter of every contribution (0.25 ms) beside the others: 8 × 0.25 + 0.2 = 2.2 ms a step.
        var stages = new[] { new StageCost(0.0001, 0.0001, 0.001, 0, 100, 1000) };
        var plan = RuntimePlanner.Plan(Scenario(8, UpdateRule.Dp, stages, steps: 40) with { ReducerShards = 4 });

        Assert.Equal(0.0022, plan.StepSeconds, 9);
        Assert.Throws<ArgumentException>(() => RuntimeSimulation.Run(Scenario(8, UpdateRule.Dp, stages) with { ReducerShards = 0 }));
    }

    [Theory]
    [InlineData(UpdateRule.Dp)]
    [InlineData(UpdateRule.CdpV1)]
    public void With_a_shard_of_every_stage_on_every_machine_each_link_carries_a_slice_of_each_gradient_and_version(UpdateRule rule)
    {
        // N = K = 4, L = 4 of 400 floats (1600 bytes), 4 shards a stage: shard k of stage s on machine (s + k) mod 4, so every
        // machine holds one 400-byte shard of every stage. Per step and stage, each ordered pair carries the sender's gradient
        // slice for the receiver's shard and the sender's shard's slice of the version: 800 bytes, 3,200 over the 4 stages,
        // against one reducer per stage, whose machine takes 3 whole gradients and sends 3 whole versions.
        var stages = EqualStages(4, 0.001, 400);
        var transport = new TransportModel(1 << 20, 8, 1e9, 0.0001);
        var sharded = RuntimePlanner.Plan(Scenario(4, rule, stages, machines: 4, transport: transport) with { ReducerShards = 4 });
        var whole = RuntimePlanner.Plan(Scenario(4, rule, stages, machines: 4, transport: transport));

        Assert.Equal(12, sharded.Links.Count);
        Assert.All(sharded.Links, link => Assert.Equal(3200, link.BytesPerStep));
        Assert.Equal(whole.BytesPerStep, sharded.BytesPerStep);
        Assert.Equal(2 * 1600, whole.BusiestLink!.BytesPerStep);
        // Each machine holds a quarter of every stage's reducer state: 4 × 400 bytes of parameters, 1,600 in all.
        Assert.All(sharded.Machines, machine => Assert.Equal(4, machine.ReducerStages.Count));
        Assert.Equal(whole.Machines.Sum(machine => machine.Memory.Total), sharded.Machines.Sum(machine => machine.Memory.Total));
    }

    [Fact]
    public void A_window_of_one_chunk_waits_a_round_trip_before_each_next_chunk()
    {
        // 4 chunks of 250 kB, window 1: each chunk leaves when the previous one's acknowledgement is back (c/B + 2λ later).
        const long floats = 250_000;
        var transport = new TransportModel(ChunkBytes: 250_000, WindowChunks: 1, BandwidthBytesPerSecond: 100e6, LatencySeconds: 0.001);
        var plan = RuntimePlanner.Plan(Scenario(2, UpdateRule.Dp, EqualStages(1, 0, floats), machines: 2, transport: transport));

        double oneWay = (1e6 / 100e6) + (3 * 2 * 0.001) + 0.001;
        Assert.Equal(2 * oneWay, plan.StepSeconds, 9);
    }

    [Theory]
    [InlineData(UpdateRule.Dp, 1)]
    [InlineData(UpdateRule.CdpV1, 2)]
    public void Bytes_per_link_per_step_are_each_remote_workers_gradient_and_one_publication_per_machine(UpdateRule rule, int publicationCopies)
    {
        // N = 4 on 2 machines (ranks 0,1 | 2,3), L = 4 with stage reducers round-robin: stages 1,3 on machine 0, stages 2,4 on machine 1.
        long[] floats = [100, 200, 300, 400];
        var stages = floats.Select(count => new StageCost(0.001, 0.002, 0, 0, count, 1000)).ToArray();
        var scenario = Scenario(4, rule, stages, machines: 2, transport: new TransportModel(1 << 20, 8, 1e9, 0.0001)) with
        {
            Compensation = CyclicActors.Actors.Compensation.DelayCompensation.Lookahead,
        };
        var plan = RuntimePlanner.Plan(scenario);

        long ownedBy0 = (100 + 300) * 4, ownedBy1 = (200 + 400) * 4;
        var zeroToOne = Assert.Single(plan.Links, link => link.From == 0 && link.To == 1);
        var oneToZero = Assert.Single(plan.Links, link => link.From == 1 && link.To == 0);
        Assert.Equal((2 * ownedBy1) + (publicationCopies * ownedBy0), zeroToOne.BytesPerStep);
        Assert.Equal((2 * ownedBy0) + (publicationCopies * ownedBy1), oneToZero.BytesPerStep);
    }

    [Fact]
    public void Separate_channels_per_kind_split_the_same_bytes_over_two_links()
    {
        var shared = RuntimePlanner.Plan(Scenario(4, UpdateRule.Dp, EqualStages(4, 0.001), machines: 2, transport: new TransportModel(1 << 20, 8, 1e8, 0.0001)));
        var split = RuntimePlanner.Plan(Scenario(4, UpdateRule.Dp, EqualStages(4, 0.001), machines: 2, transport: new TransportModel(1 << 20, 8, 1e8, 0.0001, ChannelPerKind: true)));

        Assert.Equal(2, shared.Links.Count);
        Assert.Equal(4, split.Links.Count);
        Assert.Equal(shared.BytesPerStep, split.BytesPerStep);
        Assert.All(split.Links, link => Assert.NotEqual("both", link.Kind));
    }

    [Fact]
    public void Cdp_spreads_the_same_bytes_more_evenly_than_dp()
    {
        // N = 8, L = 4 on two machines, the links about half busy, windows of one op: DP's gradients leave in the backward half, CDP's every tick.
        var transport = new TransportModel(1 << 20, 8, 1e8, 0.0001);
        PlanScenario Of(UpdateRule rule) => Scenario(8, rule, EqualStages(4, 0.001, 10_000), machines: 2, transport: transport) with { BurstWindowSeconds = 0.001 };
        var dp = RuntimePlanner.Plan(Of(UpdateRule.Dp));
        var cdp = RuntimePlanner.Plan(Of(UpdateRule.CdpV2));

        Assert.Equal(dp.BytesPerStep, cdp.BytesPerStep);
        Assert.True(cdp.NetworkBurstiness < dp.NetworkBurstiness, $"CDP {cdp.NetworkBurstiness:F2} vs DP {dp.NetworkBurstiness:F2}");
        Assert.True(cdp.BusiestLink!.Burstiness < dp.BusiestLink!.Burstiness, $"CDP {cdp.BusiestLink.Burstiness:F2} vs DP {dp.BusiestLink.Burstiness:F2}");
    }

    [Fact]
    public void A_cdp_worker_count_that_does_not_divide_2L_is_refused_as_the_runtime_refuses_it()
    {
        var error = Assert.Throws<ArgumentException>(() => RuntimeSimulation.Run(Scenario(3, UpdateRule.CdpV1, EqualStages(4, 0.001))));
        Assert.Contains("valid N for L = 4", error.Message);
        Assert.Throws<ArgumentException>(() => RuntimeSimulation.Run(Scenario(2, UpdateRule.Dp, EqualStages(4, 0.001), machines: 3)));
    }

    [Fact]
    public void Budget_pacing_keeps_the_timeline_within_the_predicted_activations_and_cdp_below_dp()
    {
        // One slot per worker but ops of uneven length, so workers would drift together without pacing.
        var stages = new[] { new StageCost(0.003, 0.001, 0, 0, 100, 4000), new StageCost(0.001, 0.004, 0, 0, 100, 1000) };
        var dp = RuntimePlanner.Plan(Scenario(4, UpdateRule.Dp, stages, slots: 2, pacing: PacingMode.Budget));
        var cdp = RuntimePlanner.Plan(Scenario(4, UpdateRule.CdpV1, stages, slots: 2, pacing: PacingMode.Budget));

        Assert.Equal(4 * 5000, dp.Machines[0].SimulatedActivationPeakBytes);
        Assert.InRange(cdp.Machines[0].SimulatedActivationPeakBytes, 1, cdp.Machines[0].Memory.Activations);
        Assert.True(cdp.Machines[0].SimulatedActivationPeakBytes < dp.Machines[0].SimulatedActivationPeakBytes);
    }
}
