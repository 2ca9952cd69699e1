using CyclicActors.Actors.Schedule;
using Xunit;

namespace CyclicActors.Actors.Tests.Schedule;

/// <summary>cdp-method.md §2.3: Figure 1 (N = L = 3, CDP-v1) cell by cell, stale marks included.</summary>
public sealed class Figure1GoldenTests
{
    // The note's transcription, ticks 0..21; B, R, Y are workers 0, 1, 2.
    private static readonly string[] TopStageFirst =
    [
        ".   .   B^  Bv  R^  Rv  Y^  Yv  B^  Bv  R^* Rv* Y^* Yv* B^  Bv  R^* Rv* Y^* Yv* B^  Bv",
        ".   B^  .   R^  Bv  Y^  Rv  B^  Yv  R^  Bv* Y^* Rv* B^  Yv* R^  Bv* Y^* Rv* B^  Yv* R^",
        "B^  .   R^  .   Y^  Bv  B^  Rv  R^  Yv  Y^* Bv* B^  Rv* R^  Yv* Y^* Bv* B^  Rv* R^  Yv*",
    ];

    private static readonly CdpSchedule Figure1 = CdpSchedule.Create(3, 3, UpdateRule.CdpV1);

    [Fact]
    public void Every_cell_matches_the_transcription()
    {
        for (var row = 0; row < TopStageFirst.Length; row++)
        {
            var stage = 3 - row;
            var expected = TopStageFirst[row].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(22, expected.Length);
            for (var tick = 0; tick < expected.Length; tick++)
            {
                var want = expected[tick].Replace('B', '0').Replace('R', '1').Replace('Y', '2');
                Assert.True(
                    want == ScheduleTable.Cell(Figure1, stage, tick),
                    $"S{stage} tick {tick}: expected {want}, got {ScheduleTable.Cell(Figure1, stage, tick)}");
            }
        }
    }

    [Fact]
    public void Delay_is_two_and_workers_start_at_0_2_4()
    {
        Assert.Equal(2, Figure1.Delay);
        Assert.Equal([0L, 2L, 4L], Enumerable.Range(0, 3).Select(worker => Figure1.StartTick(0, worker)));
    }

    [Fact]
    public void Training_step_boundaries_follow_ticks_9_15_21()
    {
        Assert.Equal([9L, 15L, 21L], Enumerable.Range(0, 3).Select(Figure1.WindowEndTick));
        Assert.Equal(0, Figure1.TrainingStepWindow(9));
        Assert.Equal(1, Figure1.TrainingStepWindow(10));
        Assert.Equal(1, Figure1.TrainingStepWindow(15));
        Assert.Equal(2, Figure1.TrainingStepWindow(16));
    }

    [Fact]
    public void Rendered_table_shows_the_cells_and_the_double_bars()
    {
        var rendered = ScheduleTable.Render(Figure1, 22);
        Assert.All(rendered, character => Assert.True(character < 128, $"non-ASCII '{character}'"));
        var lines = rendered.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var s1 = lines.Single(line => line.StartsWith("S1 ", StringComparison.Ordinal));
        var cellsAndBars = s1[(s1.IndexOf('|') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "0^ . 1^ . 2^ 0v 0^ 1v 1^ 2v | 2^* 0v* 0^ 1v* 1^ 2v* | 2^* 0v* 0^ 1v* 1^ 2v* |",
            string.Join(' ', cellsAndBars));
        var steps = lines.Single(line => line.StartsWith("step", StringComparison.Ordinal));
        Assert.Equal("0 | 1 | 2 |", string.Join(' ', steps[(steps.IndexOf('|') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(["tick", "S3", "S2", "S1", "step"], lines.Skip(1).Select(line => line.Split(' ')[0]));
    }

    [Fact]
    public void Under_dp_nothing_is_stale_and_all_workers_share_each_cell()
    {
        var dp = CdpSchedule.Create(3, 3, UpdateRule.Dp);
        Assert.Equal("0^,1^,2^", ScheduleTable.Cell(dp, 1, 0));
        Assert.Equal("0v,1v,2v", ScheduleTable.Cell(dp, 1, 11));
        var stageRows = ScheduleTable.Render(dp, 24).Split('\n').Where(line => line.StartsWith('S'));
        Assert.All(stageRows, row => Assert.DoesNotContain('*', row));
        Assert.Equal(3, stageRows.Count());
    }
}
