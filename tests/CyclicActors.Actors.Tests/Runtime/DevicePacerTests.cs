using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>The pacer's waits end as soon as the pacing state allows, not at the next completion.</summary>
public sealed class DevicePacerTests
{
    [Fact]
    public async Task A_budget_grant_wakes_the_worker_next_in_tick_order_without_waiting_for_a_completion()
    {
        // DP: both workers' F_1 is at tick 0, and rank 1 is granted only after rank 0.
        var schedule = CdpSchedule.Create(2, 2, UpdateRule.Dp);
        var state = new PacingState(schedule, [0, 1], totalSteps: 1, PacingMode.Budget, [10, 10], budget: 1_000);
        var pacer = new DevicePacer(state, TimeSpan.FromSeconds(60));
        var rankOne = schedule.OpOf(1, 0, 0);
        Assert.False(state.CanStart(rankOne));

        var waiting = Task.Run(() => pacer.WaitToStart(rankOne));
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);

        pacer.WaitToStart(schedule.OpOf(0, 0, 0)); // granted at once, and no op completes after it
        var finished = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(waiting, finished);
        await waiting;
        Assert.Equal(20, state.Reserved);
    }
}
