using System.Text;

namespace CyclicActors.Actors.Schedule;

/// <summary>
/// Renders a schedule as the paper's Figure 1 in plain ASCII: one row per stage (top stage first),
/// one column per tick, each cell listing the workers on that stage with <c>^</c> for a forward,
/// <c>v</c> for a backward and <c>*</c> for a stale op (<see cref="CdpSchedule.IsStale(ScheduledOp)"/>).
/// A <c>|</c> follows the last tick of each training-step window.
/// </summary>
public static class ScheduleTable
{
    private const string Idle = ".";

    /// <summary>The table for ticks 0..ticks−1, lines separated by '\n'.</summary>
    public static string Render(CdpSchedule schedule, int ticks)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentOutOfRangeException.ThrowIfLessThan(ticks, 1);

        var rows = new List<(string Label, string[] Cells)> { ("tick", Columns(ticks, tick => tick.ToString())) };
        for (var stage = schedule.Stages; stage >= 1; stage--)
        {
            var rowStage = stage;
            rows.Add(($"S{stage}", Columns(ticks, tick => Cell(schedule, rowStage, tick))));
        }

        rows.Add(("step", Columns(ticks, tick =>
            schedule.WindowStartTick(schedule.TrainingStepWindow(tick)) == tick
                ? schedule.TrainingStepWindow(tick).ToString()
                : string.Empty)));

        var labelWidth = rows.Max(row => row.Label.Length);
        var cellWidth = rows.SelectMany(row => row.Cells).Max(cell => cell.Length);
        var text = new StringBuilder();
        text.Append(schedule).Append("  (^ forward, v backward, * stale: reads an older version than the newest complete one)\n");
        foreach (var (label, cells) in rows)
        {
            text.Append(label.PadRight(labelWidth)).Append(" |");
            for (var tick = 0; tick < ticks; tick++)
            {
                text.Append(' ').Append(cells[tick].PadRight(cellWidth));
                var endsWindow = schedule.WindowEndTick(schedule.TrainingStepWindow(tick)) == tick;
                text.Append(endsWindow ? " |" : string.Empty);
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// One cell: the ops on <paramref name="stage"/> at <paramref name="tick"/> ordered by worker,
    /// e.g. <c>0^</c>, <c>1v*</c> or <c>0^,3v*</c>; <c>.</c> when the stage is idle.
    /// </summary>
    public static string Cell(CdpSchedule schedule, int stage, long tick)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentOutOfRangeException.ThrowIfLessThan(stage, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stage, schedule.Stages);
        var ops = schedule.OpsAtTick(tick).Where(op => op.Stage == stage).Select(op => OpText(schedule, op)).ToArray();
        return ops.Length == 0 ? Idle : string.Join(",", ops);
    }

    private static string OpText(CdpSchedule schedule, ScheduledOp op) =>
        $"{op.Worker}{(op.Kind == OpKind.Forward ? '^' : 'v')}{(schedule.IsStale(op) ? "*" : string.Empty)}";

    private static string[] Columns(int ticks, Func<int, string> cell) =>
        Enumerable.Range(0, ticks).Select(cell).ToArray();
}
