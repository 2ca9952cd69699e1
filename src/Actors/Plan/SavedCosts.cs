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

    /// <summary>
    /// Per stage, when the plan file has them, the moments (fractions of the op) at which F_j's and B_j's
    /// rents and returns came in the plan (<c>forward_buffer_times</c>, <c>backward_buffer_times</c>),
    /// so that a replay puts them where the plan did; null where the file has none (one from before them,
    /// or a plan whose ops' buffers were not timed).
    /// </summary>
    /// <exception cref="InvalidDataException">Times that are not fractions from 0 to 1 in order.</exception>
    public static (IReadOnlyList<double>? Forward, IReadOnlyList<double>? Backward)[] BufferTimes(string json, int stages)
    {
        using var document = JsonDocument.Parse(json);
        var all = document.RootElement.GetProperty("stage_costs").EnumerateArray().ToArray();
        if (all.Length != stages)
        {
            throw new InvalidDataException($"the plan file has costs of {all.Length} stages, but the model has {stages} stages: give the --model and --stages it was written with");
        }

        IReadOnlyList<double>? Times(JsonElement stage, string name)
        {
            if (!stage.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            var times = value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Select(at => at.ValueKind == JsonValueKind.Number ? at.GetDouble() : double.NaN).ToArray()
                : throw new InvalidDataException($"the plan file's {name} is not an array of fractions");
            for (int index = 0; index < times.Length; index++)
            {
                if (!(times[index] >= 0 && times[index] <= 1) || (index > 0 && times[index] < times[index - 1]))
                {
                    throw new InvalidDataException($"the plan file's {name} must be fractions from 0 to 1 in order; entry {index} is {times[index].ToString(System.Globalization.CultureInfo.InvariantCulture)}");
                }
            }

            return times;
        }

        return [.. all.Select(stage => (Times(stage, "forward_buffer_times"), Times(stage, "backward_buffer_times")))];
    }
}
