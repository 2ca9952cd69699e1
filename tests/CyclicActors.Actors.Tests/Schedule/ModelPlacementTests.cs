using CyclicActors.Actors.Schedule;
using Xunit;

namespace CyclicActors.Actors.Tests.Schedule;

/// <summary>
/// The model-parallel placement of cdp-method.md §3.5(c): N unit-speed devices instead of N·L, each
/// stage's single copy on one device, and the per-device loads the schedule implies; checked against
/// a direct count of the schedule's ops over several cycles.
/// </summary>
public sealed class ModelPlacementTests
{
    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void A_cyclic_schedule_needs_n_unit_devices_when_n_divides_l_or_n_is_2l_and_dp_timing_needs_n_times_l(int workers, int stages)
    {
        var delta = 2 * stages / workers;
        foreach (var rule in new[] { UpdateRule.CdpV1, UpdateRule.CdpV2 })
        {
            var placement = ModelPlacement.Plan(CdpSchedule.Create(workers, stages, rule));
            if (delta % 2 == 0 || workers == 2 * stages)
            {
                Assert.Equal(workers, placement.UnitDevices);
            }
            else
            {
                // δ odd and N < 2L (e.g. N = 2, L = 3): a forward and a backward of one stage meet at a tick, so N unit devices cannot keep the schedule.
                Assert.True(placement.UnitDevices > workers, $"{placement.UnitDevices} unit devices");
            }
        }

        // A single worker never overlaps itself; N ≥ 2 DP micro-batches all run a stage at once.
        Assert.Equal(workers == 1 ? 1 : workers * stages, ModelPlacement.Plan(CdpSchedule.Create(workers, stages, UpdateRule.Dp)).UnitDevices);
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Every_stage_has_one_device_and_no_device_runs_more_ops_at_a_tick_than_its_peak(int workers, int stages)
    {
        var schedule = CdpSchedule.Create(workers, stages, UpdateRule.CdpV2);
        var placement = ModelPlacement.Plan(schedule);

        Assert.Equal(Enumerable.Range(1, stages), placement.Devices.SelectMany(device => device.Stages));
        Assert.All(placement.Devices, device => Assert.Equal(Enumerable.Range(device.Stages[0], device.Stages.Length), device.Stages));
        // From the first tick through three steady cycles, counted op by op.
        var ticks = schedule.SteadyStateStartTick + (3 * schedule.CycleLength);
        for (long tick = 0; tick < ticks; tick++)
        {
            foreach (var group in schedule.OpsAtTick(tick).GroupBy(op => placement.DeviceOf(op.Stage)))
            {
                Assert.True(group.Count() <= placement.Devices[group.Key].PeakOpsPerTick, $"tick {tick}: device {group.Key} runs {group.Count()} ops");
            }
        }

        // At most one op per tick wherever one device can keep up; more only for a stage alone, where a forward and a backward meet (δ odd).
        Assert.All(placement.Devices, device => Assert.True(device.PeakOpsPerTick == 1 || device.Stages.Length == 1));
        Assert.Equal(2 * stages / workers % 2 == 1 ? 2 : 1, placement.Slowdown);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    public void With_n_equal_to_l_each_stage_has_its_own_device_busy_every_tick_holding_l_minus_j_plus_1_activations(int n)
    {
        var placement = ModelPlacement.Plan(CdpSchedule.Create(n, n, UpdateRule.CdpV1));

        Assert.Equal(n, placement.Devices.Count);
        Assert.All(placement.Devices, device =>
        {
            Assert.Equal([device.Device + 1], device.Stages);
            Assert.Equal(1, device.PeakOpsPerTick);
            Assert.Equal(1.0, device.BusyFraction);
            // cdp-method.md §4: stage j's activations are held by N(L − j + 1)/L micro-batches at every steady tick.
            Assert.Equal(n - device.Device, device.PeakActivationHolders);
        });
    }

    [Fact]
    public void Two_workers_on_four_stages_share_two_devices_as_in_the_method_notes()
    {
        var placement = ModelPlacement.Plan(CdpSchedule.Create(2, 4, UpdateRule.CdpV1));

        Assert.Equal([[1, 2], [3, 4]], placement.Devices.Select(device => device.Stages));
        Assert.All(placement.Devices, device => Assert.Equal(1.0, device.BusyFraction));
    }

    [Fact]
    public void Twice_as_many_workers_as_stages_run_a_forward_and_a_backward_per_stage_per_tick()
    {
        var placement = ModelPlacement.Plan(CdpSchedule.Create(8, 4, UpdateRule.CdpV2));

        Assert.Equal(4, placement.Devices.Count);
        Assert.All(placement.Devices, device => Assert.Equal(2, device.PeakOpsPerTick));
        Assert.Equal(8, placement.UnitDevices);
        // N(L − j + 1)/L: 8, 6, 4, 2.
        Assert.Equal([8, 6, 4, 2], placement.Devices.Select(device => device.PeakActivationHolders));
    }

    [Fact]
    public void Dp_timing_puts_all_n_micro_batches_on_a_stage_at_once_and_leaves_it_idle_otherwise()
    {
        var placement = ModelPlacement.Plan(CdpSchedule.Create(4, 4, UpdateRule.Dp));

        Assert.Equal(4, placement.Devices.Count);
        Assert.All(placement.Devices, device =>
        {
            Assert.Equal(4, device.PeakOpsPerTick);
            // Busy 2 of every 2L ticks.
            Assert.Equal(2.0 / 8, device.BusyFraction);
        });
    }

    [Theory]
    [InlineData(8, 4, 1)]
    [InlineData(2, 2, 2)]
    [InlineData(1, 1, 4)]
    public void Fewer_devices_than_the_schedule_wants_merge_neighbours_and_stretch_the_step(int cap, int devices, int slowdown)
    {
        var placement = ModelPlacement.Plan(CdpSchedule.Create(4, 4, UpdateRule.CdpV1), cap);

        Assert.Equal(devices, placement.Devices.Count);
        Assert.Equal(slowdown, placement.Slowdown);
        Assert.Equal(Enumerable.Range(1, 4), placement.Devices.SelectMany(device => device.Stages));
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.CdpConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void The_devices_activation_peaks_never_exceed_the_whole_runs_and_weight_the_holder_counts(int workers, int stages)
    {
        var schedule = CdpSchedule.Create(workers, stages, UpdateRule.CdpV1);
        var placement = ModelPlacement.Plan(schedule);
        var bytes = Enumerable.Range(1, stages).Select(stage => 100L * (stages - stage + 2)).ToArray();
        var steadyTicks = schedule.SteadyCycleTicks().ToArray();
        var wholePeak = steadyTicks.Max(tick => schedule.PredictedActivationBytes(tick, bytes));

        var peaks = placement.Devices.Select(device => placement.PeakActivationBytes(device.Device, bytes)).ToArray();

        Assert.All(peaks, peak => Assert.InRange(peak, 1, wholePeak));
        Assert.True(peaks.Sum() >= wholePeak);
        // With unit bytes the peak is the holder count the placement reports.
        var unit = Enumerable.Repeat(1L, stages).ToArray();
        Assert.All(placement.Devices, device => Assert.Equal(device.PeakActivationHolders, placement.PeakActivationBytes(device.Device, unit)));
    }

    [Fact]
    public void A_device_cap_below_one_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelPlacement.Plan(CdpSchedule.Create(4, 4, UpdateRule.CdpV1), 0));
    }
}
