using System.Globalization;
using System.Text;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Plan;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Host.Commands;

/// <summary>How `cyclic plan` prints its figures (one side-by-side block, or one row per case of a sweep) and writes them as JSON.</summary>
internal static class PlanReport
{
    public static string Render(PlanHeader header, IReadOnlyList<PlanCase> cases, IReadOnlyList<UpdateRule> rules)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(cases);
        var text = new StringBuilder();
        var t = header.Transport;
        Line(text, $"plan: {header.Model}, L = {header.Stages} ({header.Partition}), micro-batch {header.MicroBatch}; costs {header.CostsOrigin}");
        Line(text, $"transport: {ByteSize.Format(t.ChunkBytes)} chunks, window {t.WindowChunks}, {PlanUnits.Rate(t.BandwidthBytesPerSecond)} per {(t.ChannelPerKind ? "channel" : "link")}{(t.NicBytesPerSecond > 0 ? $" ({PlanUnits.Rate(t.NicBytesPerSecond)} a machine each way)" : "")}, latency {PlanUnits.Seconds(t.LatencySeconds)}" +
            $"{(t.Framing > 1 ? $", {t.Framing.ToString("0.###", CultureInfo.InvariantCulture)} wire bytes a tensor byte" : "")}" +
            $"{(t.EndpointCpuSecondsPerByte > 0 ? $", {t.EndpointCpuSecondsPerByte * 1e9:F2} ns CPU a byte at each end" : "")}; " +
            (header.SharedCores > 0 ? $"the machines share one host's {header.SharedCores.ToString(CultureInfo.InvariantCulture)} cores" : $"{(header.ComputeSlots == 0 ? "unlimited" : header.ComputeSlots.ToString(CultureInfo.InvariantCulture))} compute slots a machine") +
            $" (reducers {(header.ReducersShareSlots ? "share them" : "apart")}{(header.ReducerShards > 1 ? $", each in {header.ReducerShards} shards" : "")})" +
            (header.SliceSeconds > 0 && (header.SharedCores > 0 || header.ComputeSlots > 0) ? $", shared in {PlanUnits.Seconds(header.SliceSeconds)} time slices" : "") + $"; pacing {header.Pacing.ToString().ToLowerInvariant()}; " +
            (header.CutEvery > 0 ? $"on more than one machine a cut to the seed every {header.CutEvery} steps" : "no cuts"));
        bool spreads = header.OpTimeSpread > 0;
        if (spreads)
        {
            Line(text, $"op times vary by {header.OpTimeSpread * 100:F0} % (coefficient of variation, weighted by work; each op its own below): the memory is the mean of {RuntimePlanner.NoisyRuns} simulations whose op times vary so; step time and traffic are the steady run's");
        }

        if (header.OpBuffersTimed)
        {
            Line(text, "the ops' buffers come and go at their moments inside each op, as timed on this machine (--op-buffers timed)");
        }

        Line(text, "stage   forward   backward   load / look-ahead / hand-off   reducer (fold / update)   gradient   activations" + (spreads ? "   spread (F / B)" : ""));
        for (int stage = 0; stage < header.StageCosts.Count; stage++)
        {
            var cost = header.StageCosts[stage];
            string handling = $"{PlanUnits.Seconds(cost.LoadSeconds)} / {PlanUnits.Seconds(cost.LookaheadSeconds)} / {PlanUnits.Seconds(cost.HandoffSeconds)}";
            Line(text, $"{stage + 1,5}  {PlanUnits.Seconds(cost.ForwardSeconds),8}  {PlanUnits.Seconds(cost.BackwardSeconds),9}  {handling,29}  {PlanUnits.Seconds(cost.FoldSeconds) + " / " + PlanUnits.Seconds(cost.UpdateSeconds),24}  {ByteSize.Format(cost.ParameterBytes),9}  {ByteSize.Format(cost.ActivationBytes),12}"
                + (spreads ? $"  {$"{cost.ForwardSpread * 100:F0} / {cost.BackwardSpread * 100:F0} %",15}" : ""));
        }

        text.AppendLine();
        if (cases.Count == 1)
        {
            SideBySide(text, cases[0], rules);
        }
        else
        {
            Sweep(text, cases, rules);
        }

        return text.ToString();
    }

    private static void SideBySide(StringBuilder text, PlanCase one, IReadOnlyList<UpdateRule> rules)
    {
        Line(text, $"N = {one.Workers} workers on K = {one.Machines} machine{(one.Machines == 1 ? "" : "s")}");
        Line(text, $"{"",-34}" + string.Concat(rules.Select(rule => $"{rule.ToCliName(),16}")));
        void Row(string label, Func<RulePlan, string> figure) =>
            Line(text, $"{label,-34}" + string.Concat(rules.Select(rule => $"{(one.Rules[rule].Plan is { } plan ? figure(plan) : "n/a"),16}")));
        Row("step time", plan => PlanUnits.Seconds(plan.StepSeconds));
        Row("samples/s", plan => plan.SamplesPerSecond.ToString("F0", CultureInfo.InvariantCulture));
        Row("first step (warm-up)", plan => PlanUnits.Seconds(plan.FirstStepSeconds));
        Row("memory peak per machine (most)", plan => ByteSize.Format(plan.PeakMemoryBytes));
        if (one.Rules.Values.Any(outcome => outcome.Plan?.Machines.Any(machine => machine.MemorySteadyBytes is not null) == true))
        {
            Row("  with steady op times", plan => plan.Machines.Any(machine => machine.MemorySteadyBytes is not null)
                ? ByteSize.Format(plan.Machines.Max(machine => machine.MemorySteadyBytes ?? machine.MemoryBytes)) : "-");
        }

        Row("  at most, any timing", plan => ByteSize.Format(plan.Machines.Max(machine => machine.MemoryBoundBytes)));
        Row("  needed under --memory-budget", plan => ByteSize.Format(plan.Machines.Max(machine => machine.Memory.Total)));
        Row("  of which activations", plan => ByteSize.Format(plan.Machines.Max(machine => machine.Memory.Activations)));
        Row("activations held (timeline)", plan => ByteSize.Format(plan.Machines.Max(machine => machine.SimulatedActivationPeakBytes)));
        Row("compute busy (busiest machine)", plan => Percent(plan.Machines.Max(machine => machine.ComputeBusyFraction)));
        Row("reducer busy (busiest stage)", plan => Percent(plan.ReducerBusy));
        if (one.Machines > 1)
        {
            Row("bytes per step, all links", plan => ByteSize.Format((long)plan.BytesPerStep));
            Row("bytes per step, busiest link", plan => plan.BusiestLink is { } link ? ByteSize.Format((long)link.BytesPerStep) : "-");
            Row("busiest link", plan => plan.BusiestLink is { } link ? $"{link.From}->{link.To}" : "-");
            Row("busiest link busy", plan => plan.BusiestLink is { } link ? Percent(link.BusyFraction) : "-");
            Row("burstiness, busiest link (pk/mean)", plan => plan.BusiestLink is { } link ? Ratio(link.Burstiness) : "-");
            Row("burstiness, all links (pk/mean)", plan => Ratio(plan.NetworkBurstiness));
            Row("burst window", plan => PlanUnits.Seconds(plan.BurstWindowSeconds));
            if (one.Rules.Values.Any(outcome => outcome.Plan is { NicBusy: > 0 }))
            {
                Row("NIC busy (busiest machine)", plan => Percent(plan.NicBusy));
            }
        }

        foreach (var rule in rules.Where(rule => one.Rules[rule].NotApplicable is not null))
        {
            Line(text, $"{rule.ToCliName()}: n/a ({one.Rules[rule].NotApplicable})");
        }
    }

    private static void Sweep(StringBuilder text, IReadOnlyList<PlanCase> cases, IReadOnlyList<UpdateRule> rules)
    {
        Line(text, $"{"N",5} {"K",4}" + string.Concat(rules.Select(rule => $" | {rule.ToCliName() + " step",14} {"samples/s",10} {"mem/mach",10} {"burst",6}")) + " | fastest");
        foreach (var one in cases)
        {
            var row = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{one.Workers,5} {one.Machines,4}"));
            foreach (var rule in rules)
            {
                row.Append(one.Rules[rule].Plan is { } plan
                    ? string.Create(CultureInfo.InvariantCulture, $" | {PlanUnits.Seconds(plan.StepSeconds),14} {plan.SamplesPerSecond,10:F0} {ByteSize.Format(plan.PeakMemoryBytes),10} {(one.Machines > 1 ? Ratio(plan.NetworkBurstiness) : "-"),6}")
                    : $" | {"n/a",14} {"",10} {"",10} {"",6}");
            }

            var fastest = rules.Where(rule => one.Rules[rule].Plan is not null).OrderBy(rule => one.Rules[rule].Plan!.StepSeconds).Select(rule => rule.ToCliName()).FirstOrDefault() ?? "-";
            Line(text, row.Append(" | ").Append(fastest).ToString());
        }
    }

    public static Dictionary<string, object?> Json(PlanHeader header, IReadOnlyList<PlanCase> cases)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(cases);
        var t = header.Transport;
        return new Dictionary<string, object?>
        {
            ["model"] = header.Model,
            ["stages"] = header.Stages,
            ["partition"] = header.Partition,
            ["micro_batch"] = header.MicroBatch,
            ["costs"] = header.CostsOrigin,
            ["stage_costs"] = header.StageCosts.Select((cost, index) => new Dictionary<string, object?>
            {
                ["stage"] = index + 1, ["forward_seconds"] = cost.ForwardSeconds, ["backward_seconds"] = cost.BackwardSeconds, ["fold_seconds"] = cost.FoldSeconds,
                ["update_seconds"] = cost.UpdateSeconds, ["load_seconds"] = cost.LoadSeconds, ["lookahead_seconds"] = cost.LookaheadSeconds, ["handoff_seconds"] = cost.HandoffSeconds, ["beside_seconds"] = cost.BesideSeconds,
                ["parameter_bytes"] = cost.ParameterBytes, ["activation_bytes"] = cost.ActivationBytes, ["workspace_bytes"] = cost.WorkspaceBytes,
                ["forward_spread"] = cost.ForwardSpread, ["backward_spread"] = cost.BackwardSpread,
                ["forward_buffer_events"] = cost.ForwardBuffers?.Events?.Select(change => new object[] { change.At, change.Bytes, change.Change }).ToArray(),
                ["backward_buffer_events"] = cost.BackwardBuffers?.Events?.Select(change => new object[] { change.At, change.Bytes, change.Change }).ToArray(),
            }).ToArray(),
            ["transport"] = new Dictionary<string, object?>
            {
                ["chunk_bytes"] = t.ChunkBytes, ["window_chunks"] = t.WindowChunks, ["bandwidth_bytes_per_second"] = t.BandwidthBytesPerSecond,
                ["latency_seconds"] = t.LatencySeconds, ["nic_bytes_per_second"] = t.NicBytesPerSecond, ["framing"] = t.Framing, ["links"] = t.ChannelPerKind ? "channel" : "pair",
                ["endpoint_cpu_seconds_per_byte"] = t.EndpointCpuSecondsPerByte,
            },
            ["compute_slots"] = header.ComputeSlots,
            ["shared_cores"] = header.SharedCores,
            ["time_slice_seconds"] = header.SliceSeconds,
            ["op_time_spread"] = header.OpTimeSpread,
            ["op_buffers"] = header.OpBuffersTimed ? "timed" : "whole",
            ["reducer_slots"] = header.ReducersShareSlots ? "shared" : "separate",
            ["pacing"] = PacingModeNames.ToCliName(header.Pacing),
            ["cut_every"] = header.CutEvery,
            ["reducer_shards"] = header.ReducerShards,
            ["cases"] = cases.Select(one => new Dictionary<string, object?>
            {
                ["workers"] = one.Workers,
                ["machines"] = one.Machines,
                ["rules"] = one.Rules.ToDictionary(pair => pair.Key.ToCliName(), pair => pair.Value.Plan is { } plan ? RuleJson(plan) : new Dictionary<string, object?> { ["not_applicable"] = pair.Value.NotApplicable }),
            }).ToArray(),
        };
    }

    private static Dictionary<string, object?> RuleJson(RulePlan plan) => new()
    {
        ["step_seconds"] = plan.StepSeconds,
        ["samples_per_second"] = plan.SamplesPerSecond,
        ["first_step_seconds"] = plan.FirstStepSeconds,
        ["peak_memory_bytes"] = plan.PeakMemoryBytes,
        ["bytes_per_step"] = plan.BytesPerStep,
        ["network_burstiness"] = plan.NetworkBurstiness,
        ["reducer_busy"] = plan.ReducerBusy,
        ["nic_busy"] = plan.NicBusy,
        ["burst_window_seconds"] = plan.BurstWindowSeconds,
        ["machines"] = plan.Machines.Select(machine => new Dictionary<string, object?>
        {
            ["machine"] = machine.Machine, ["ranks"] = machine.Ranks, ["reducer_stages"] = machine.ReducerStages.Select(stage => stage + 1).ToArray(),
            ["memory_bytes"] = machine.MemoryBytes, ["memory_steady_bytes"] = machine.MemorySteadyBytes ?? machine.MemoryBytes, ["memory_bound_bytes"] = machine.MemoryBoundBytes, ["need_bytes"] = machine.Memory.Total,
            ["op_buffers_cached_bytes"] = machine.OpBuffersCachedBytes, ["op_buffers_out_peak_bytes"] = machine.OpBuffersOutPeakBytes,
            ["op_buffers_cached_bound_bytes"] = machine.OpBuffersCachedBoundBytes, ["activation_bytes"] = machine.Memory.Activations, ["parameter_bytes"] = machine.Memory.Parameters,
            ["gradient_bytes"] = machine.Memory.Gradients, ["optimizer_state_bytes"] = machine.Memory.OptimizerState, ["lookahead_scratch_bytes"] = machine.Memory.LookaheadScratch, ["workspace_bytes"] = machine.Memory.Workspace,
            ["data_bytes"] = machine.Memory.Data, ["timeline_activation_peak_bytes"] = machine.SimulatedActivationPeakBytes, ["compute_busy"] = machine.ComputeBusyFraction,
        }).ToArray(),
        ["links"] = plan.Links.Select(link => new Dictionary<string, object?>
        {
            ["from"] = link.From, ["to"] = link.To, ["kind"] = link.Kind, ["bytes_per_step"] = link.BytesPerStep, ["burstiness"] = link.Burstiness, ["busy"] = link.BusyFraction,
        }).ToArray(),
    };

    private static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:F0} %");

    private static string Ratio(double value) => value <= 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{value:F2}");

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
