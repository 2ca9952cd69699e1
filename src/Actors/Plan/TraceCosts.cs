using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CyclicActors.Actors.Plan;

/// <summary>Measured per-stage durations: the compute parts of <see cref="StageCost"/>.</summary>
/// <param name="ForwardSeconds">Per stage (index j − 1): the median F_j.</param>
/// <param name="UpdateSeconds">Per stage: the median time from the step's last gradient reaching the reducer to its publication.</param>
/// <param name="Samples">How many op spans the medians came from.</param>
/// <param name="Handling">Per stage: a worker's load, look-ahead and hand-off seconds when the source has them (null: profile them).</param>
public sealed record MeasuredStageTimes(IReadOnlyList<double> ForwardSeconds, IReadOnlyList<double> BackwardSeconds, IReadOnlyList<double> FoldSeconds,
    IReadOnlyList<double> UpdateSeconds, int Samples, IReadOnlyList<(double Load, double Lookahead, double Handoff)>? Handling = null);

/// <summary>
/// Reads per-stage costs from a Chrome trace written by <c>cyclic train --trace</c> (or a cluster's
/// merged trace): every worker op is a span "F{j}.s{k}" or "B{j}.s{k}" (category "op") on a
/// "worker N" track, and each reducer's track "reducer {j−1}" has an instant per gradient arrival
/// ("grad s{k} r{r}") and per publication ("publish v{v}"). Forward and backward costs are the
/// medians of the spans; a reducer's cost is the median from the last arrival of step k to the
/// publication of version k + 1, which holds the fold of that last contribution and the update (the
/// trace has no span for the earlier folds, which overlap the step, so they count as 0). Spans of
/// the first step are left out: they include the threads' and caches' warm-up.
/// <para>
/// A span is wall-clock time, and on a machine with fewer cores than running ops it holds the
/// slowdown of sharing them, which the simulation applies again. Given the recording machine's
/// compute slots S, each span becomes the work it did at full speed: the integral over the span of
/// min(1, S / n(t)), n(t) the ops of the same process running at t: the inverse of the simulation's
/// processor sharing.
/// </para>
/// </summary>
public static partial class TraceCosts
{
    /// <param name="recordedSlots">The compute slots of the machine that recorded the trace (0: unlimited, spans kept as they are).</param>
    /// <exception cref="InvalidDataException">Not a Chrome trace, or one without the ops of every stage.</exception>
    public static MeasuredStageTimes Read(string json, int stages, int recordedSlots = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recordedSlots);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        var spans = new List<OpSpan>();
        var lastArrival = new Dictionary<(int Pid, long Tid, int Step), double>();
        var published = new Dictionary<(int Pid, long Tid, int Version), double>();
        var trackNames = new Dictionary<(int Pid, long Tid), string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not a Chrome trace (JSON): {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("traceEvents", out var events) || events.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException("not a Chrome trace: no traceEvents array (write one with cyclic train --trace FILE)");
            }

            int ops = 0;
            foreach (var entry in events.EnumerateArray())
            {
                string phase = Text(entry, "ph");
                string name = Text(entry, "name");
                var track = (Pid: Int(entry, "pid"), Tid: (long)Int(entry, "tid"));
                if (phase == "M" && name == "thread_name" && entry.TryGetProperty("args", out var args))
                {
                    trackNames[track] = Text(args, "name");
                }
                else if (phase == "X" && Text(entry, "cat") == "op" && OpName().Match(name) is { Success: true } op)
                {
                    int stage = int.Parse(op.Groups[2].Value, CultureInfo.InvariantCulture);
                    int step = int.Parse(op.Groups[3].Value, CultureInfo.InvariantCulture);
                    if (stage > stages)
                    {
                        throw new InvalidDataException($"the trace has an op of stage {stage}, but the model has {stages} stages: give the --model and --stages it was recorded with");
                    }

                    double start = Number(entry, "ts") / 1e6;
                    spans.Add(new OpSpan(track.Pid, start, start + (Number(entry, "dur") / 1e6), stage, op.Groups[1].Value == "F", step));
                }
                else if (phase == "i" && GradientName().Match(name) is { Success: true } gradient)
                {
                    var key = (track.Pid, track.Tid, int.Parse(gradient.Groups[1].Value, CultureInfo.InvariantCulture));
                    lastArrival[key] = Math.Max(lastArrival.GetValueOrDefault(key), Number(entry, "ts") / 1e6);
                }
                else if (phase == "i" && PublishName().Match(name) is { Success: true } publish)
                {
                    published[(track.Pid, track.Tid, int.Parse(publish.Groups[1].Value, CultureInfo.InvariantCulture))] = Number(entry, "ts") / 1e6;
                }
            }

            var forward = Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray();
            var backward = Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray();
            foreach (var group in spans.GroupBy(span => span.Pid))
            {
                var sharing = recordedSlots > 0 ? new ProcessorSharing([.. group.Select(span => (span.Start, span.End))], recordedSlots) : null;
                foreach (var span in group.Where(span => span.Step > 0))
                {
                    double seconds = sharing?.FullSpeedSeconds(span.Start, span.End) ?? span.End - span.Start;
                    (span.Forward ? forward : backward)[span.Stage - 1].Add(seconds);
                    ops++;
                }
            }

            var missing = Enumerable.Range(0, stages).FirstOrDefault(stage => forward[stage].Count == 0 || backward[stage].Count == 0, -1);
            if (missing >= 0)
            {
                throw new InvalidDataException($"the trace has no forward or backward op of stage {missing + 1} after the first step (record at least 2 steps with cyclic train --trace FILE)");
            }

            var update = new List<double>[stages];
            for (int stage = 0; stage < stages; stage++)
            {
                update[stage] = [];
            }

            foreach (var ((pid, tid, step), arrival) in lastArrival)
            {
                if (step > 0 && trackNames.TryGetValue((pid, tid), out var trackName) && ReducerTrack().Match(trackName) is { Success: true } reducer
                    && int.Parse(reducer.Groups[1].Value, CultureInfo.InvariantCulture) is var stage && stage < stages
                    && published.TryGetValue((pid, tid, step + 1), out var at) && at >= arrival)
                {
                    update[stage].Add(at - arrival);
                }
            }

            return new MeasuredStageTimes([.. forward.Select(Median)], [.. backward.Select(Median)], [.. Enumerable.Repeat(0.0, stages)],
                [.. update.Select(times => times.Count == 0 ? 0 : Median(times))], ops);
        }
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record OpSpan(int Pid, double Start, double End, int Stage, bool Forward, int Step);

    /// <summary>The rate min(1, S / n(t)) of ops sharing S slots, n(t) the spans open at t, and its integral over any interval.</summary>
    private sealed class ProcessorSharing
    {
        private readonly double[] _times;
        private readonly double[] _rates;
        private readonly double[] _integral;

        public ProcessorSharing(IReadOnlyList<(double Start, double End)> spans, int slots)
        {
            var edges = spans.SelectMany(span => new[] { (At: span.Start, Change: 1), (At: span.End, Change: -1) })
                .OrderBy(edge => edge.At).ThenBy(edge => edge.Change).ToArray();
            _times = new double[edges.Length];
            _rates = new double[edges.Length];
            _integral = new double[edges.Length];
            int open = 0;
            for (int i = 0; i < edges.Length; i++)
            {
                _times[i] = edges[i].At;
                _integral[i] = i == 0 ? 0 : _integral[i - 1] + (_rates[i - 1] * (_times[i] - _times[i - 1]));
                open += edges[i].Change;
                _rates[i] = open <= slots ? 1 : (double)slots / open;
            }
        }

        public double FullSpeedSeconds(double start, double end) => At(end) - At(start);

        private double At(double time)
        {
            int index = Array.BinarySearch(_times, time);
            // On an edge, the integral up to it; between edges, from the last edge at its rate.
            index = index >= 0 ? index : ~index - 1;
            return index < 0 ? 0 : _integral[index] + (_rates[index] * (time - _times[index]));
        }
    }

    private static string Text(JsonElement entry, string property) =>
        entry.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    private static int Int(JsonElement entry, string property) =>
        entry.TryGetProperty(property, out var value) && value.TryGetInt32(out var number) ? number : 0;

    private static double Number(JsonElement entry, string property) =>
        entry.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;

    [GeneratedRegex(@"^([FB])(\d+)\.s(\d+)$")]
    private static partial Regex OpName();

    [GeneratedRegex(@"^grad s(\d+) r\d+$")]
    private static partial Regex GradientName();

    [GeneratedRegex(@"^publish v(\d+)$")]
    private static partial Regex PublishName();

    [GeneratedRegex(@"^reducer (\d+)$")]
    private static partial Regex ReducerTrack();
}
