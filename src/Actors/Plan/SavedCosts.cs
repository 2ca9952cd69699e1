using System.Text.Json;

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
}
