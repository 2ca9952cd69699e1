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
        new("placement", "P", "also show where it runs: data | model (stages on devices) | zero (parameter batons)", "data"),
        new("devices", "D", "with --placement model: at most D devices (neighbouring stages merge, the step stretches)", "as many as the schedule wants"),
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

        var placement = options.String("placement", "data");
        if (placement is not ("data" or "model" or "zero"))
        {
            throw new UsageException($"--placement must be data, model or zero, not '{placement}'.");
        }

        int ticks = (int)schedule.WindowEndTick(steps - 1) + 1;
        Console.Write(ScheduleTable.Render(schedule, ticks));
        switch (placement)
        {
            case "data":
                break;
            case "model":
                Console.Write(RenderModel(ModelPlacement.Plan(schedule, options.Has("devices") ? options.Int("devices", 1, 1, 64) : null)));
                break;
            case "zero":
                Console.Write(RenderZero(new ZeroBatonPlan(schedule), Math.Min(1, steps - 1)));
                break;
        }

        return 0;
    }

    private static string RenderModel(ModelPlacement placement)
    {
        var text = new System.Text.StringBuilder();
        var schedule = placement.Schedule;
        text.AppendLine();
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
            $"Model placement: {placement.Devices.Count} devices, {placement.UnitDevices} unit-speed devices keep the schedule (N = {schedule.Workers}, N·L = {schedule.Workers * schedule.Stages}); slowdown {placement.Slowdown}x");
        text.AppendLine("device  stages  peak ops/tick  busy  peak activations held");
        foreach (var device in placement.Devices)
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                $"{device.Device,6}  {string.Join(",", device.Stages),6}  {device.PeakOpsPerTick,13}  {device.BusyFraction,4:P0}  {device.PeakActivationHolders,21}");
        }

        return text.ToString();
    }

    private static string RenderZero(ZeroBatonPlan plan, int step)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine();
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"ZeRO batons of step {step} (owner = the stage's reducer; a worker holds the stage from 'held' through its B_j):");
        text.AppendLine("stage  to  from   version  needed  held  dropped");
        for (var stage = 1; stage <= plan.Schedule.Stages; stage++)
        {
            foreach (var hop in plan.HopsOf(step, stage))
            {
                text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                    $"{stage,5}  w{hop.To,-2} {(hop.From is { } from ? $"w{from}" : "owner"),-6} θ{hop.Version,-7} {hop.NeededTick,6}  {hop.HeldFromTick,4}  {hop.DropTick,7}");
            }
        }

        return text.ToString();
    }
}
