using CyclicActors.Actors.Schedule;
using Xunit;

namespace CyclicActors.Actors.Tests.Schedule;

/// <summary>cdp-method.md §2.4: the worked N = L = 4 timelines and activation rows, verbatim.</summary>
public sealed class WorkedTimelineTests
{
    private static readonly CdpSchedule Cdp = CdpSchedule.Create(4, 4, UpdateRule.CdpV1);

    private static readonly string[] PerWorker =
    [
        "F1.0 F2.0 F3.0 F4.0 B4.0 B3.0 B2.0 B1.0 F1.1 F2.1 F3.1 F4.1 B4.1 B3.1 B2.1 B1.1 F1.2 F2.2 F3.2 F4.2 B4.2 B3.2 B2.2 B1.2",
        " .    .   F1.0 F2.0 F3.0 F4.0 B4.0 B3.0 B2.0 B1.0 F1.1 F2.1 F3.1 F4.1 B4.1 B3.1 B2.1 B1.1 F1.2 F2.2 F3.2 F4.2 B4.2 B3.2",
        " .    .    .    .   F1.0 F2.0 F3.0 F4.0 B4.0 B3.0 B2.0 B1.0 F1.1 F2.1 F3.1 F4.1 B4.1 B3.1 B2.1 B1.1 F1.2 F2.2 F3.2 F4.2",
        " .    .    .    .    .    .   F1.0 F2.0 F3.0 F4.0 B4.0 B3.0 B2.0 B1.0 F1.1 F2.1 F3.1 F4.1 B4.1 B3.1 B2.1 B1.1 F1.2 F2.2",
    ];

    // Stage 4 first, as in the note.
    private static readonly string[] PerStage =
    [
        ".  .  .  F0 B0 F1 B1 F2 B2 F3 B3 F0 B0 F1 B1 F2 B2 F3 B3 F0 B0 F1 B1 F2",
        ".  .  F0 .  F1 B0 F2 B1 F3 B2 F0 B3 F1 B0 F2 B1 F3 B2 F0 B3 F1 B0 F2 B1",
        ".  F0 .  F1 .  F2 B0 F3 B1 F0 B2 F1 B3 F2 B0 F3 B1 F0 B2 F1 B3 F2 B0 F3",
        "F0 .  F1 .  F2 .  F3 B0 F0 B1 F1 B2 F2 B3 F3 B0 F0 B1 F1 B2 F2 B3 F3 B0",
    ];

    [Fact]
    public void Per_worker_timeline_matches()
    {
        for (var worker = 0; worker < 4; worker++)
        {
            var cells = PerWorker[worker].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(24, cells.Length);
            for (var tick = 0; tick < cells.Length; tick++)
            {
                var op = Cdp.OpAt(worker, tick);
                var actual = op is null ? "." : $"{(op.Kind == OpKind.Forward ? 'F' : 'B')}{op.Stage}.{op.Step}";
                Assert.True(cells[tick] == actual, $"w{worker} tick {tick}: expected {cells[tick]}, got {actual}");
            }
        }
    }

    [Fact]
    public void Per_stage_timeline_matches()
    {
        for (var row = 0; row < 4; row++)
        {
            var stage = 4 - row;
            var cells = PerStage[row].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(24, cells.Length);
            for (var tick = 0; tick < cells.Length; tick++)
            {
                var ops = Cdp.OpsAtTick(tick).Where(op => op.Stage == stage).ToArray();
                Assert.True(ops.Length <= 1, $"stage {stage} tick {tick} has {ops.Length} ops");
                var actual = ops.Length == 0 ? "." : $"{(ops[0].Kind == OpKind.Forward ? 'F' : 'B')}{ops[0].Worker}";
                Assert.True(cells[tick] == actual, $"stage {stage} tick {tick}: expected {cells[tick]}, got {actual}");
            }
        }
    }

    [Fact]
    public void Dp_activation_row_oscillates_to_peak_n_times_l()
    {
        var dp = CdpSchedule.Create(4, 4, UpdateRule.Dp);
        int[] expected = [4, 8, 12, 16, 16, 12, 8, 4, 4, 8, 12, 16, 16, 12, 8, 4, 4];
        Assert.Equal(expected, Enumerable.Range(0, expected.Length).Select(tick => dp.LiveActivationUnits(tick)));
    }

    [Fact]
    public void Cdp_activation_row_ramps_to_constant_ten()
    {
        int[] expected = [1, 2, 4, 6, 8, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10];
        Assert.Equal(expected, Enumerable.Range(0, expected.Length).Select(tick => Cdp.LiveActivationUnits(tick)));
    }

    [Fact]
    public void Gradient_completion_is_8k_plus_14_minus_j()
    {
        for (var step = 0; step < 4; step++)
        {
            for (var stage = 1; stage <= 4; stage++)
            {
                Assert.Equal((8L * step) + 14 - stage, Cdp.GradientCompletionTick(step, stage));
            }
        }
    }

    [Fact]
    public void Gradient_chunks_per_tick_dp_0000_4444_cdp_two()
    {
        var dp = CdpSchedule.Create(4, 4, UpdateRule.Dp);
        Assert.Equal([0, 0, 0, 0, 4, 4, 4, 4], Enumerable.Range(0, 8).Select(tick => dp.BackwardOpsAtTick(tick)));
        Assert.All(Enumerable.Range(6, 16), tick => Assert.Equal(2, Cdp.BackwardOpsAtTick(tick)));
    }

    [Fact]
    public void Holders_per_stage_are_4_3_2_1_and_peaks_are_10_vs_16()
    {
        var dp = CdpSchedule.Create(4, 4, UpdateRule.Dp);
        long[] unit = [1, 1, 1, 1];
        Assert.All(Enumerable.Range(6, 16), tick =>
            Assert.Equal([4, 3, 2, 1], Enumerable.Range(1, 4).Select(stage => Cdp.ActivationHolders(tick, stage))));
        Assert.Equal(10, Cdp.SteadyStatePeakActivationBytes(unit));
        Assert.Equal(16, dp.SteadyStatePeakActivationBytes(unit));
    }
}
