using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Plan;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Training;
using static CyclicActors.Actors.Tests.Plan.PlanScenarios;

namespace CyclicActors.Actors.Tests.Plan;

public sealed class RuntimePlannerTests
{
    [Theory]
    [InlineData(UpdateRule.Dp, DelayCompensation.None)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.Lookahead)]
    [InlineData(UpdateRule.CdpV2, DelayCompensation.None)]
    public void The_memory_of_one_machine_is_the_runtimes_own_prediction_with_every_reducer_on_it(UpdateRule rule, DelayCompensation compensation)
    {
        var stages = new[] { new StageCost(0.001, 0.002, 0, 0, 100, 40, 7), new StageCost(0.001, 0.002, 0, 0, 300, 30, 5), new StageCost(0.001, 0.002, 0, 0, 200, 20, 3), new StageCost(0.001, 0.002, 0, 0, 400, 10, 1) };
        var scenario = Scenario(4, rule, stages) with { Compensation = compensation, DataBytesPerWorker = 9 };
        var plan = RuntimePlanner.Plan(scenario);

        var expected = MemoryNeed.Predict(CdpSchedule.Create(4, 4, rule), [0, 1, 2, 3], scenario.Steps, [100, 300, 200, 400], [40, 30, 20, 10],
            CompensationForRule.Effective(rule, compensation), new OpFootprint([7, 5, 3, 1], 9), reducersOnDevice: true);
        Assert.Equal(expected, plan.Machines[0].Memory);
        Assert.Equal(expected.Total, plan.PeakMemoryBytes);
    }

    [Fact]
    public void On_two_machines_each_holds_its_workers_and_its_stages_reducers()
    {
        var plan = RuntimePlanner.Plan(Scenario(4, UpdateRule.CdpV1, EqualStages(4, 0.001, 1000), machines: 2, transport: new TransportModel(1 << 20, 8, 1e9, 0)));

        Assert.Equal([0, 1], plan.Machines[0].Ranks);
        Assert.Equal([0, 2], plan.Machines[0].ReducerStages);
        Assert.Equal([1, 3], plan.Machines[1].ReducerStages);
        // Two replicas (4 stages of 4000 bytes) and the masters of two stages.
        Assert.Equal((2 * 16_000) + 8000, plan.Machines[0].Memory.Parameters);
        Assert.Equal((2 * 16_000) + (2 * 8000), plan.Machines[0].Memory.Gradients);
    }

    [Fact]
    public void More_bandwidth_never_slows_a_step_and_more_machines_with_one_slot_each_speed_a_compute_bound_one()
    {
        double Step(double bandwidth, int machines) =>
            RuntimePlanner.Plan(Scenario(8, UpdateRule.Dp, EqualStages(4, 0.001, 50_000), machines: machines, slots: 1,
                transport: new TransportModel(1 << 20, 8, bandwidth, 0.0005))).StepSeconds;

        double[] byBandwidth = [Step(1e7, 2), Step(1e8, 2), Step(1e9, 2), Step(0, 2)];
        for (int i = 1; i < byBandwidth.Length; i++)
        {
            Assert.True(byBandwidth[i] <= byBandwidth[i - 1] + 1e-12, $"bandwidth sweep {string.Join(", ", byBandwidth)}");
        }

        double[] byMachines = [Step(0, 1), Step(0, 2), Step(0, 4), Step(0, 8)];
        for (int i = 1; i < byMachines.Length; i++)
        {
            Assert.True(byMachines[i] < byMachines[i - 1], $"machine sweep {string.Join(", ", byMachines)}");
        }

        Assert.Equal(8 * 8 * 0.001, byMachines[0], 9); // one slot: 64 ops of 1 ms
    }

    [Fact]
    public void Across_machines_cdp_v1_pays_only_the_tokens_crossings_while_dp_waits_for_the_gradient_and_publication_round_trip()
    {
        // Ranks 0,1 | 2,3: the token crosses machines twice per step (1 → 2, 3 → 0), λ each; v1 reads the version one step old, so the
        // gradients and publications (0.2 ms on the wire + λ each way) fit in its slack. DP waits for stage 1's round trip after its last B_1.
        const double latency = 0.0005;
        var transport = new TransportModel(1 << 20, 8, 1e8, latency);
        var dp = RuntimePlanner.Plan(Scenario(4, UpdateRule.Dp, EqualStages(4, 0.001, 5000), machines: 2, transport: transport));
        var v1 = RuntimePlanner.Plan(Scenario(4, UpdateRule.CdpV1, EqualStages(4, 0.001, 5000), machines: 2, transport: transport));

        Assert.Equal(0.008 + (2 * latency), v1.StepSeconds, 9);
        Assert.True(dp.StepSeconds > v1.StepSeconds, $"DP {dp.StepSeconds} vs v1 {v1.StepSeconds}");
    }

    [Fact]
    public void Workers_spread_over_machines_in_contiguous_blocks_the_first_machines_taking_the_remainder()
    {
        Assert.Equal([0, 0, 0, 1, 1, 2, 2], new MachineLayout(3, 1).MachineOfRank(7));
        Assert.Equal([0, 1, 2], new MachineLayout(3, 1).MachineOfRank(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MachineLayout(3, 1).MachineOfRank(2));
    }
}
