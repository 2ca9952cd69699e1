using System.Text.Json;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Plan;

/// <summary>
/// Reads the per-stage costs back from a `cyclic plan --json` file (its "stage_costs"), so that a
/// plan, a sweep or an extrapolation can be rerun with exactly the costs of an earlier profile,
/// whatever the machine's load is now.
/// </summary>
public static class SavedCosts
{
    /// <summary>Whether <paramref name="json"/> is a `cyclic plan --json` file (an object with "stage_costs").</summary>
    public static bool IsPlanFile(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("stage_costs", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <exception cref="InvalidDataException">No stage_costs, another number of stages, or a cost that is missing or not a finite non-negative number.</exception>
    public static MeasuredStageTimes Read(string json, int stages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("stage_costs", out var costs) || costs.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("not a cyclic plan --json file: no stage_costs array");
        }

        if (costs.GetArrayLength() != stages)
        {
            throw new InvalidDataException($"the plan file has costs of {costs.GetArrayLength()} stages, but the model has {stages} stages: give the --model and --stages it was written with");
        }

        double Seconds(JsonElement stage, string name) =>
            stage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.GetDouble() is var seconds && double.IsFinite(seconds) && seconds >= 0
                ? seconds
                : throw new InvalidDataException($"the plan file lacks a non-negative {name}");
        var all = costs.EnumerateArray().ToArray();
        return new MeasuredStageTimes(
            [.. all.Select(stage => Seconds(stage, "forward_seconds"))],
            [.. all.Select(stage => Seconds(stage, "backward_seconds"))],
            [.. all.Select(stage => Seconds(stage, "fold_seconds"))],
            [.. all.Select(stage => Seconds(stage, "update_seconds"))],
            0,
            [.. all.Select(stage => (Seconds(stage, "load_seconds"), Seconds(stage, "lookahead_seconds"), Seconds(stage, "handoff_seconds")))],
            // Written the same for every stage (a trace's per-op figure); files from before it have none.
            all[0].TryGetProperty("beside_seconds", out _) ? Seconds(all[0], "beside_seconds") : 0,
            // The transport's, from a trace of a cluster; files from before it have none.
            document.RootElement.TryGetProperty("transport", out var transport) && transport.ValueKind == JsonValueKind.Object
                && transport.TryGetProperty("endpoint_cpu_seconds_per_byte", out _) ? Seconds(transport, "endpoint_cpu_seconds_per_byte") : 0,
            // The ops' spreads the plan used (a trace's, or --op-spread); files from before them have none.
            all[0].TryGetProperty("forward_spread", out _) ? [.. all.Select(stage => Seconds(stage, "forward_spread"))] : null,
            all[0].TryGetProperty("backward_spread", out _) ? [.. all.Select(stage => Seconds(stage, "backward_spread"))] : null);
    }

    /// <summary>
    /// Per stage, when the plan file has them, F_j's and B_j's rents and returns as the plan timed them
    /// (<c>forward_buffer_events</c>, <c>backward_buffer_events</c>: [fraction of the op, bytes, +1 or −1]
    /// in order), so that a replay puts them where the plan did; null where the file has none (one from
    /// before them, or a plan whose ops held their buffers whole).
    /// </summary>
    /// <exception cref="InvalidDataException">Events that are not [fraction from 0 to 1, positive bytes, +1 or −1] in order of their fractions.</exception>
    public static (IReadOnlyList<BufferEvent>? Forward, IReadOnlyList<BufferEvent>? Backward)[] BufferEvents(string json, int stages)
    {
        using var document = JsonDocument.Parse(json);
        var all = document.RootElement.GetProperty("stage_costs").EnumerateArray().ToArray();
        if (all.Length != stages)
        {
            throw new InvalidDataException($"the plan file has costs of {all.Length} stages, but the model has {stages} stages: give the --model and --stages it was written with");
        }

        IReadOnlyList<BufferEvent>? Events(JsonElement stage, string name)
        {
            if (!stage.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"the plan file's {name} is not an array of [fraction, bytes, change] events");
            }

            var events = new List<BufferEvent>();
            foreach (var entry in value.EnumerateArray())
            {
                int index = events.Count;
                var parts = entry.ValueKind == JsonValueKind.Array ? entry.EnumerateArray().ToArray() : [];
                if (parts.Length != 3 || parts.Any(part => part.ValueKind != JsonValueKind.Number)
                    || parts[0].GetDouble() is not (>= 0 and <= 1) || !parts[1].TryGetInt64(out long bytes) || bytes <= 0
                    || !parts[2].TryGetInt32(out int change) || change is not (1 or -1))
                {
                    throw new InvalidDataException($"the plan file's {name} entry {index} is not [fraction from 0 to 1, positive bytes, 1 or -1]: {entry.GetRawText()}");
                }

                if (index > 0 && parts[0].GetDouble() < events[^1].At)
                {
                    throw new InvalidDataException($"the plan file's {name} must be in order of their fractions; entry {index} comes at {parts[0].GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture)}, before the one before it");
                }

                events.Add(new BufferEvent(parts[0].GetDouble(), bytes, change));
            }

            return events;
        }

        return [.. all.Select(stage => (Events(stage, "forward_buffer_events"), Events(stage, "backward_buffer_events")))];
    }
}
