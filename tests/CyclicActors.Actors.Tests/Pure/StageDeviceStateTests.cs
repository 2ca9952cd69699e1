using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Stages;
using CyclicActors.Actors.Tests.Schedule;

namespace CyclicActors.Actors.Tests.Pure;

/// <summary>
/// The model placement's devices without actors: every device runs its ops in tick order, waiting for
/// its neighbours and its own folds, and the whole placement always completes with every op at the
/// version its rule names (for every rule and every N | 2L with N, L ≤ 8, capped device counts too).
/// </summary>
public sealed class StageDeviceStateTests
{
    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Every_placement_runs_to_the_end_with_each_op_at_its_rules_version(int workers, int stages)
    {
        foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1, UpdateRule.CdpV2 })
        {
            var schedule = CdpSchedule.Create(workers, stages, rule);
            foreach (var cap in new int?[] { null, 1, 2 })
            {
                var ran = Drive(schedule, ModelPlacement.Plan(schedule, cap), steps: 3);
                Assert.Equal(3 * workers * stages * 2, ran.Count);
                Assert.All(ran, pair => Assert.Equal(schedule.RequiredVersion(pair.Op.Step, pair.Op.Worker, pair.Op.Stage), pair.Version));
            }
        }
    }

    [Fact]
    public void A_device_runs_its_stages_ops_in_tick_order_each_micro_batch_forward_then_backward()
    {
        var schedule = CdpSchedule.Create(2, 4, UpdateRule.CdpV1);
        ScheduledOp[] ops = [.. StageDeviceState.OpsInTickOrder(schedule, [3, 4], 0, 2)];

        Assert.Equal(2 * 2 * 2 * 2, ops.Length);
        Assert.Equal(ops.OrderBy(op => op.Tick), ops);
        Assert.All(ops, op => Assert.Contains(op.Stage, new[] { 3, 4 }));
        var ofOne = ops.Where(op => op.Step == 1 && op.Worker == 1).Select(op => (op.Stage, op.Kind)).ToArray();
        Assert.Equal([(3, OpKind.Forward), (4, OpKind.Forward), (4, OpKind.Backward), (3, OpKind.Backward)], ofOne);
    }

    [Fact]
    public void Waits_for_the_previous_device_then_refuses_what_is_not_its_own()
    {
        var schedule = CdpSchedule.Create(2, 4, UpdateRule.CdpV1);
        var device = new StageDeviceState(schedule, [3, 4], 0, 1, DelayCompensation.None);
        device.VersionMade(new ParametersPublished(2, 0, [1f], []));
        device.VersionMade(new ParametersPublished(3, 0, [1f], []));

        var waiting = Assert.IsType<WaitForNeighbour>(device.Decide());
        Assert.True(waiting.Forward);
        device.ActivationArrived(new ActivationPassed(0, 0, 2, [0.5f]));
        var run = Assert.IsType<RunStageOp>(device.Decide());
        Assert.Equal([0.5f], run.Input!);

        Assert.Throws<InvalidOperationException>(() => device.ActivationArrived(new ActivationPassed(0, 0, 2, [0.5f])));
        Assert.Throws<InvalidOperationException>(() => device.ActivationArrived(new ActivationPassed(0, 1, 1, [0.5f])));
        Assert.Throws<InvalidOperationException>(() => device.GradientArrived(new OutputGradientPassed(0, 1, 3, [0.5f])));
        Assert.Throws<InvalidOperationException>(() => device.VersionMade(new ParametersPublished(0, 1, [1f], [])));
        Assert.Throws<ArgumentException>(() => new StageDeviceState(schedule, [1, 3], 0, 1, DelayCompensation.None));
    }

    [Fact]
    public void Keeps_only_the_versions_a_later_op_can_read()
    {
        var schedule = CdpSchedule.Create(2, 2, UpdateRule.CdpV1);
        var device = new StageDeviceState(schedule, [1, 2], 0, 4, DelayCompensation.None);
        for (var version = 0; version <= 3; version++)
        {
            device.VersionMade(new ParametersPublished(0, version, [version], []));
        }

        // Version 3 exists once step 2 is folded: steps 3 on read θ_3 or θ_2.
        Assert.Equal([2, 3], device.KeptVersions(0));
    }

    [Fact]
    public void The_coordinator_of_a_model_placement_waits_for_its_devices_not_its_ranks()
    {
        var state = new CoordinatorState(workers: 4, stages: 4, totalSteps: 1, devices: 2);
        Assert.Throws<InvalidOperationException>(() => state.WorkerFinished(new WorkerFinished(0, [], [], 0, 0)));
        Assert.Empty(state.DeviceFinished(new StageDeviceFinished(0, [], [], 0, 0, 0, 0)));
        Assert.Throws<InvalidOperationException>(() => state.DeviceFinished(new StageDeviceFinished(0, [], [], 0, 0, 0, 0)));
        Assert.Throws<InvalidOperationException>(() => state.DeviceFinished(new StageDeviceFinished(2, [], [], 0, 0, 0, 0)));
        Assert.IsType<FinalStatesRequested>(Assert.Single(state.DeviceFinished(new StageDeviceFinished(1, [], [], 0, 0, 0, 0))));
    }

    /// <summary>Runs every device's state to the end as the actors would, delivering in a round-robin; returns each op with the version it read.</summary>
    private static List<(ScheduledOp Op, int Version)> Drive(CdpSchedule schedule, ModelPlacement placement, int steps)
    {
        var devices = placement.Devices.Select(device => new StageDeviceState(schedule, device.Stages, 0, steps, DelayCompensation.None)).ToArray();
        var folded = new Dictionary<(int Stage, int Step), int>();
        foreach (var device in devices)
        {
            foreach (var stage in device.Stages)
            {
                device.VersionMade(new ParametersPublished(stage - 1, 0, [], []));
            }
        }

        var ran = new List<(ScheduledOp, int)>();
        var progress = true;
        while (progress)
        {
            progress = false;
            foreach (var device in devices)
            {
                while (device.Decide() is RunStageOp run)
                {
                    progress = true;
                    ran.Add((run.Op, run.Parameters.Version));
                    device.Complete(run);
                    var op = run.Op;
                    if (op.Kind == OpKind.Forward && op.Stage == device.LastStage && op.Stage < schedule.Stages)
                    {
                        devices[placement.DeviceOf(op.Stage + 1)].ActivationArrived(new ActivationPassed(op.Step, op.Worker, op.Stage, []));
                    }

                    if (op.Kind == OpKind.Backward && op.Stage == device.FirstStage && op.Stage > 1)
                    {
                        devices[placement.DeviceOf(op.Stage - 1)].GradientArrived(new OutputGradientPassed(op.Step, op.Worker, op.Stage - 2, []));
                    }

                    if (op.Kind == OpKind.Backward && (folded[(op.Stage, op.Step)] = folded.GetValueOrDefault((op.Stage, op.Step)) + 1) == schedule.Workers)
                    {
                        device.VersionMade(new ParametersPublished(op.Stage - 1, op.Step + 1, [], []));
                    }
                }
            }
        }

        Assert.All(devices, device => Assert.IsType<DeviceFinished>(device.Decide()));
        return ran;
    }
}
