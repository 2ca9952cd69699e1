using CyclicActors.Actors.Schedule;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>`cyclic schedule`: prints the cyclic timeline per stage and tick, like the paper's Figure 1.</summary>
internal static class ScheduleCommand
{
    public const string Summary = "print the schedule as a per-stage, per-tick table (Figure 1 style)";

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("workers", "N", "workers (micro-batches per step)", "3"),
        new("stages", "L", "model stages", "3"),
        new("rule", "R", "dp | cdp-v1 | cdp-v2", "cdp-v1"),
        new("v2-rule", "F", "freshness rule for cdp-v2: schedule | paper-code", "schedule"),
        new("steps", "K", "training steps to show", "3"),
        new("help", null, "show this help"),
    ];

    public static int Run(ParsedOptions options)
    {
        int workers = options.Int("workers", 3, 1, 64);
        int stages = options.Int("stages", 3, 1, 64);
        int steps = options.Int("steps", 3, 1, 100);
        CdpSchedule schedule;
        try
        {
            var rule = UpdateRuleNames.ParseUpdateRule(options.String("rule", "cdp-v1"));
            var freshness = UpdateRuleNames.ParseFreshnessRule(options.String("v2-rule", "schedule"));
            schedule = CdpSchedule.Create(workers, stages, rule, freshness);
        }
        catch (ArgumentException e)
        {
            throw UsageException.From(e);
        }

        int ticks = (int)schedule.WindowEndTick(steps - 1) + 1;
        Console.Write(ScheduleTable.Render(schedule, ticks));
        return 0;
    }
}
