using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CyclicActors.Actors.Plan;

/// <summary>Measured per-stage durations: the compute parts of <see cref="StageCost"/>.</summary>
/// <param name="ForwardSeconds">Per stage (index j − 1): F_j (a profile's median, a trace's mean).</param>
/// <param name="FoldSeconds">Per stage: a reducer's fold of one contribution that completes no step.</param>
/// <param name="UpdateSeconds">Per stage: what the step's last contribution costs the reducer beyond a fold: the update and the publication.</param>
/// <param name="Samples">How many op spans the costs came from.</param>
/// <param name="Handling">Per stage: a worker's load, look-ahead and hand-off seconds when the source has them (null: profile them; a look-ahead of NaN: the source ran without look-ahead, profile that one).</param>
/// <param name="UntracedSecondsPerOp">From a trace with the process's CPU time: the CPU no span covers, per op (0: none known); the plan runs it beside each op (<see cref="StageCost.BesideSeconds"/>).</param>
/// <param name="UntracedSecondsPerByte">
/// From a cluster trace whose transfers carry their bytes: the CPU no span covers, per byte a process sent or
/// received across machines (0: none known or none separable); the plan charges it to both ends of every
/// transfer (<see cref="TransportModel.EndpointCpuSecondsPerByte"/>).
/// </param>
/// <param name="ForwardSpread">
/// Per stage: how much F_j's time varies from one run of it to the next, as a coefficient of variation
/// (from a trace, of its spans' full-speed work after the first step); null where not known (a profile
/// times each op alone, which is not how a run varies).
/// </param>
/// <param name="BackwardSpread">Per stage: the same for B_j.</param>
public sealed record MeasuredStageTimes(IReadOnlyList<double> ForwardSeconds, IReadOnlyList<double> BackwardSeconds, IReadOnlyList<double> FoldSeconds,
    IReadOnlyList<double> UpdateSeconds, int Samples, IReadOnlyList<(double Load, double Lookahead, double Handoff)>? Handling = null, double UntracedSecondsPerOp = 0,
    double UntracedSecondsPerByte = 0, IReadOnlyList<double>? ForwardSpread = null, IReadOnlyList<double>? BackwardSpread = null);

/// <summary>
/// Reads per-stage costs from a Chrome trace written by <c>cyclic train --trace</c> (or a cluster's
/// merged trace): every worker op is a span "F{j}.s{k}" or "B{j}.s{k}" (category "op") on a
/// "worker N" track, beside the worker's handling spans "L{j}.s{k}", "P{j}.s{k}" and "H{j}.s{k}"
/// (<see cref="Tracing.HandlingSpans"/>: load, look-ahead point, gradient hand-off), and each reducer's
/// track "reducer {j−1}" has a span per contribution it accepted, "fold s{k} r{r}" or, for the one that
/// completed the step, "update s{k} r{r}" (<see cref="Tracing.ReducerSpans"/>). Every cost is the
/// mean of its spans' work (not the median: a compute-bound step is the sum of its work, and on the
/// CPU the hand-offs' and reducers' spans are heavy-tailed: mlp-deep's hand-offs 0.4 ms median, 1.4 ms mean); the
/// update is the mean update span less the mean fold. Spans of the first
/// step are left out: they include the threads' and caches' warm-up.
/// <para>
/// Traces written before the handling and reducer spans existed still read: their handling is left to
/// the profile (<see cref="MeasuredStageTimes.Handling"/> null), the fold counts as 0 and the update is
/// the mean from the step's last gradient instant ("grad s{k} r{r}") to the publication instant
/// ("publish v{k+1}").
/// </para>
/// <para>
/// A span is wall-clock time, and on a machine with fewer cores than running threads it holds the
/// slowdown of sharing them, which the simulation applies again. Given the recording machine's
/// compute slots S, each span becomes the work it did at full speed: the integral over the span of
/// min(1, S / n(t)), n(t) the spans of the same process (ops, handling and reducer work alike)
/// running at t: the inverse of the simulation's processor sharing. Processes that shared one host's
/// S cores (emulated hosts) count every process's spans in n(t).
/// </para>
/// <para>
/// A trace that samples the process's CPU time (<see cref="Tracing.TraceRecorder.ProcessCpuCounter"/>)
/// also tells what the spans leave out: between its first sample after step 0 began and its last,
/// the CPU the process used less the traced work (its spans' full-speed work) is the work of
/// actor dispatch, messages, the collector and the tracing itself. It is spread evenly over the ops
/// that started in that window (<see cref="MeasuredStageTimes.UntracedSecondsPerOp"/>), and the plan
/// runs that share beside each op, off the workers' path (<see cref="StageCost.BesideSeconds"/>).
/// </para>
/// <para>
/// In a cluster's merged trace, whose link transfers carry their bytes, much of that CPU follows the
/// bytes a process moves (serialising, copying and the socket calls of every tensor it sends or
/// receives): on the emulated hosts the process holding the largest stage's reducer used two to three
/// times the others' untraced CPU. There the untraced CPU of each process is fitted, by least squares
/// over the processes, as a cost per op plus a cost per byte sent or received in its window
/// (<see cref="FitUntraced"/>), so that the plan puts the transport's share on the machines that move
/// the bytes instead of spreading it over every op.
/// </para>
/// </summary>
public static partial class TraceCosts
{
    /// <param name="recordedSlots">The compute slots of the machine that recorded the trace (0: unlimited, spans kept as they are).</param>
    /// <param name="slotsSharedByProcesses">
    /// Whether the trace's processes ran on one host whose <paramref name="recordedSlots"/> all of them
    /// shared (emulated hosts): a span's sharing counts the spans of every process open beside it, not
    /// only its own process's.
    /// </param>
    /// <exception cref="InvalidDataException">Not a Chrome trace, or one without the ops of every stage.</exception>
    public static MeasuredStageTimes Read(string json, int stages, double recordedSlots = 0, bool slotsSharedByProcesses = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recordedSlots);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        var spans = new List<WorkSpan>();
        var cpu = new List<(int Pid, double At, double Seconds)>();
        var transfers = new List<(int Pid, long Tid, double At, long Bytes)>();
        var processNames = new Dictionary<int, string>();
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

            foreach (var entry in events.EnumerateArray())
            {
                string phase = Text(entry, "ph");
                string name = Text(entry, "name");
                var track = (Pid: Int(entry, "pid"), Tid: (long)Int(entry, "tid"));
                if (phase == "M" && name == "thread_name" && entry.TryGetProperty("args", out var args))
                {
                    trackNames[track] = Text(args, "name");
                }
                else if (phase == "M" && name == "process_name" && entry.TryGetProperty("args", out var process))
                {
                    processNames[track.Pid] = Text(process, "name");
                }
                else if (phase == "X" && Text(entry, "cat") == Tracing.TraceRecorder.TransferCategory && entry.TryGetProperty("args", out var transfer)
                    && transfer.TryGetProperty("bytes", out var bytes) && bytes.TryGetInt64(out var count) && count >= 0)
                {
                    transfers.Add((track.Pid, track.Tid, Number(entry, "ts") / 1e6, count));
                }
                else if (phase == "X" && Kind(Text(entry, "cat"), name) is { } kind)
                {
                    if (kind.Stage > stages)
                    {
                        throw new InvalidDataException($"the trace has an op of stage {kind.Stage}, but the model has {stages} stages: give the --model and --stages it was recorded with");
                    }

                    double start = Number(entry, "ts") / 1e6;
                    spans.Add(new WorkSpan(track.Pid, track.Tid, start, start + (Number(entry, "dur") / 1e6), kind.Kind, kind.Stage, kind.Step));
                }
                else if (phase == "C" && name == Tracing.TraceRecorder.ProcessCpuCounter && entry.TryGetProperty("args", out var sample))
                {
                    cpu.Add((track.Pid, Number(entry, "ts") / 1e6, Number(sample, "microseconds") / 1e6));
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

            var work = Enum.GetValues<WorkKind>().ToDictionary(kind => kind, _ => Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray());
            int ops = 0;
            var untracedByProcess = new List<UntracedCpu>();
            var moved = new TransferBytes(transfers, processNames, trackNames);
            // A sharded reducer's tracks are "reducer {j−1}.{k}", each folding and updating its slice: a
            // stage's cost is its shards' together, as the plan takes a stage's cost and splits it.
            var shardsOfStage = trackNames.Values.Select(name => ReducerTrack().Match(name)).Where(match => match.Success && match.Groups[2].Success)
                .GroupBy(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) + 1)
                .ToDictionary(stage => stage.Key, stage => stage.Max(match => int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)) + 1);
            var hostSharing = slotsSharedByProcesses ? new ProcessorSharing([.. spans.Select(span => (span.Start, span.End))], recordedSlots) : null;
            foreach (var group in spans.GroupBy(span => span.Pid))
            {
                // One sharing per process (or the host's, over every process's spans), for both its spans' full-speed work and its traced work overall (0 slots: unlimited).
                var sharing = hostSharing ?? new ProcessorSharing([.. group.Select(span => (span.Start, span.End))], recordedSlots);
                if (Untraced(group.Key, [.. group], cpu, sharing, moved) is { } untraced)
                {
                    untracedByProcess.Add(untraced);
                }

                foreach (var span in group.Where(span => span.Step > 0))
                {
                    // A reducer's span names the step, not the stage: the stage is its track's.
                    int stage = span.Kind is WorkKind.Fold or WorkKind.Update ? ReducerStage(trackNames, span.Pid, span.Tid) : span.Stage;
                    if (stage < 1 || stage > stages)
                    {
                        continue;
                    }

                    double scale = span.Kind is WorkKind.Fold or WorkKind.Update ? shardsOfStage.GetValueOrDefault(stage, 1) : 1;
                    work[span.Kind][stage - 1].Add(scale * sharing.FullSpeedSeconds(span.Start, span.End));
                    ops += span.Kind is WorkKind.Forward or WorkKind.Backward ? 1 : 0;
                }
            }

            var forward = work[WorkKind.Forward];
            var backward = work[WorkKind.Backward];
            var missing = Enumerable.Range(0, stages).FirstOrDefault(stage => forward[stage].Count == 0 || backward[stage].Count == 0, -1);
            if (missing >= 0)
            {
                throw new InvalidDataException($"the trace has no forward or backward op of stage {missing + 1} after the first step (record at least 2 steps with cyclic train --trace FILE)");
            }

            double[] fold;
            double[] update;
            if (work[WorkKind.Update].All(stage => stage.Count > 0))
            {
                fold = [.. work[WorkKind.Fold].Select(stage => stage.Count == 0 ? 0 : Mean(stage))];
                update = [.. work[WorkKind.Update].Select((spansOfStage, stage) => Math.Max(0, Mean(spansOfStage) - fold[stage]))];
            }
            else
            {
                fold = new double[stages];
                update = UpdatesFromInstants(stages, lastArrival, published, trackNames);
            }

            var handling = work[WorkKind.Load].All(stage => stage.Count > 0) && work[WorkKind.Handoff].All(stage => stage.Count > 0)
                ? Enumerable.Range(0, stages).Select(stage => (Mean(work[WorkKind.Load][stage]),
                    work[WorkKind.Lookahead][stage].Count == 0 ? double.NaN : Mean(work[WorkKind.Lookahead][stage]),
                    Mean(work[WorkKind.Handoff][stage]))).ToArray()
                : null;
            var (perOp, perByte) = FitUntraced(untracedByProcess);
            return new MeasuredStageTimes([.. forward.Select(Mean)], [.. backward.Select(Mean)], fold, update, ops, handling, perOp, perByte,
                [.. forward.Select(Spread)], [.. backward.Select(Spread)]);
        }
    }

    /// <summary>One process's CPU that no span covers over a window, the ops that started in it and the bytes it sent or received across machines then.</summary>
    public readonly record struct UntracedCpu(double Seconds, int Ops, long Bytes);

    /// <summary>
    /// The untraced CPU as a cost per op γ plus a cost per byte moved β, fitted by least squares over
    /// the processes (seconds_p ≈ γ·ops_p + β·bytes_p) with neither cost negative. Where the fit of both
    /// gives a negative cost, or the bytes are nearly in proportion to the ops (one process, or every
    /// process doing the same share, as on the emulated hosts) so that the pair is ill-conditioned, all
    /// of it goes to the one of the two that, alone (its own least-squares slope), leaves the smaller
    /// squared residual; on a tie (bytes in exact proportion, or no bytes at all) to the ops, as
    /// before bytes were traced (for one process, the total over its ops).
    /// </summary>
    /// <remarks>
    /// With four processes each doing a quarter of the work, the ops and bytes columns differ by noise
    /// (1 − cos² of 1.5e-4 to 4e-4 on the mlp-deep emulated-host runs). Those runs used to fall back to
    /// a cost per op, though a cost per byte fitted them with half the residual or less: a look-ahead
    /// run's transport CPU then landed beside every forward and backward (323 ms each) instead of on
    /// the transfers, and the plan came out 27–41 % slow.
    /// </remarks>
    public static (double PerOp, double PerByte) FitUntraced(IReadOnlyList<UntracedCpu> processes)
    {
        ArgumentNullException.ThrowIfNull(processes);
        // In megabytes, so that the two columns are of like size.
        double oo = processes.Sum(p => (double)p.Ops * p.Ops);
        double bb = processes.Sum(p => p.Bytes / 1e6 * (p.Bytes / 1e6));
        double ob = processes.Sum(p => p.Ops * (p.Bytes / 1e6));
        double ou = processes.Sum(p => p.Ops * p.Seconds);
        double bu = processes.Sum(p => p.Bytes / 1e6 * p.Seconds);
        double bytesAlone = bb == 0 ? 0 : Math.Max(0, bu / bb);
        if (oo == 0)
        {
            return (0, bytesAlone / 1e6);
        }

        // 1 − cos² of the angle between the ops and bytes columns: near 0, one is nearly a multiple of the other.
        if (bb > 0 && 1 - (ob * ob / (oo * bb)) >= 1e-3)
        {
            double determinant = (oo * bb) - (ob * ob);
            double perOp = ((bb * ou) - (ob * bu)) / determinant;
            double perMegabyte = ((oo * bu) - (ob * ou)) / determinant;
            if (perOp >= 0 && perMegabyte > 0)
            {
                return (perOp, perMegabyte / 1e6);
            }
        }

        double opsAlone = Math.Max(0, ou / oo);
        if (bb == 0)
        {
            return (opsAlone, 0);
        }

        double residualOps = processes.Sum(p => Square(p.Seconds - (opsAlone * p.Ops)));
        double residualBytes = processes.Sum(p => Square(p.Seconds - (bytesAlone * p.Bytes / 1e6)));
        // A relative margin, so that bytes in exact proportion to ops (equal residuals but for rounding) stay per op.
        return residualBytes < residualOps * (1 - 1e-9) ? (0, bytesAlone / 1e6) : (opsAlone, 0);

        static double Square(double value) => value * value;
    }

    /// <summary>
    /// One process's CPU time no span covers, between its first CPU sample at or after the start of its
    /// first span past step 0 and its last sample, with the ops that started and the bytes it moved in
    /// that window; null without two such samples.
    /// </summary>
    private static UntracedCpu? Untraced(int pid, List<WorkSpan> spans, List<(int Pid, double At, double Seconds)> cpu, ProcessorSharing sharing, TransferBytes moved)
    {
        var steady = spans.Where(span => span.Step > 0).ToArray();
        if (steady.Length == 0)
        {
            return null;
        }

        double from = steady.Min(span => span.Start);
        var samples = cpu.Where(sample => sample.Pid == pid && sample.At >= from).OrderBy(sample => sample.At).ToArray();
        if (samples.Length < 2)
        {
            return null;
        }

        var (first, last) = (samples[0], samples[^1]);
        double traced = spans.Where(span => span.End > first.At && span.Start < last.At)
            .Sum(span => sharing.FullSpeedSeconds(Math.Max(span.Start, first.At), Math.Min(span.End, last.At)));
        int ops = spans.Count(span => span.Kind is WorkKind.Forward or WorkKind.Backward && span.Start >= first.At && span.Start < last.At);
        return new UntracedCpu(last.Seconds - first.Seconds - traced, ops, moved.Of(pid, first.At, last.At));
    }

    /// <summary>
    /// The bytes each process of a merged trace sent (transfers on its own link tracks) or received
    /// (transfers on other processes' tracks "link A->B …" whose B is its address, the part of its
    /// process name after '@').
    /// </summary>
    private sealed class TransferBytes(List<(int Pid, long Tid, double At, long Bytes)> transfers, Dictionary<int, string> processNames,
        Dictionary<(int Pid, long Tid), string> trackNames)
    {
        private readonly Dictionary<string, int> _pidOfAddress = processNames
            .GroupBy(pair => Address(pair.Value))
            .Where(group => group.Count() == 1)
            .ToDictionary(group => group.Key, group => group.Single().Key);

        public long Of(int pid, double from, double to)
        {
            long bytes = 0;
            foreach (var transfer in transfers.Where(transfer => transfer.At >= from && transfer.At < to))
            {
                bool received = trackNames.TryGetValue((transfer.Pid, transfer.Tid), out var track) && LinkName().Match(track) is { Success: true } link
                    && _pidOfAddress.TryGetValue(link.Groups[1].Value, out var destination) && destination == pid;
                bytes += transfer.Pid == pid || received ? transfer.Bytes : 0;
            }

            return bytes;
        }

        private static string Address(string processName) => processName[(processName.LastIndexOf('@') + 1)..];
    }

    /// <summary>Traces without reducer spans: per stage, the mean from a step's last gradient instant to the publication it made.</summary>
    private static double[] UpdatesFromInstants(int stages, Dictionary<(int Pid, long Tid, int Step), double> lastArrival,
        Dictionary<(int Pid, long Tid, int Version), double> published, Dictionary<(int Pid, long Tid), string> trackNames)
    {
        var update = Enumerable.Range(0, stages).Select(_ => new List<double>()).ToArray();
        foreach (var ((pid, tid, step), arrival) in lastArrival)
        {
            int stage = ReducerStage(trackNames, pid, tid);
            if (step > 0 && stage >= 1 && stage <= stages && published.TryGetValue((pid, tid, step + 1), out var at) && at >= arrival)
            {
                update[stage - 1].Add(at - arrival);
            }
        }

        return [.. update.Select(times => times.Count == 0 ? 0 : Mean(times))];
    }

    /// <summary>The stage j of the reducer track "reducer {j−1}" (or of its shard's, "reducer {j−1}.{k}"); 0 for any other track.</summary>
    private static int ReducerStage(Dictionary<(int Pid, long Tid), string> trackNames, int pid, long tid) =>
        trackNames.TryGetValue((pid, tid), out var name) && ReducerTrack().Match(name) is { Success: true } reducer
            ? int.Parse(reducer.Groups[1].Value, CultureInfo.InvariantCulture) + 1
            : 0;

    /// <summary>What a span of the trace is, if it is work `cyclic plan` models (a reducer span's stage is its track's, 0 here).</summary>
    private static (WorkKind Kind, int Stage, int Step)? Kind(string category, string name)
    {
        if (category == "op" && OpName().Match(name) is { Success: true } op)
        {
            return (op.Groups[1].Value == "F" ? WorkKind.Forward : WorkKind.Backward, Int(op.Groups[2].Value), Int(op.Groups[3].Value));
        }

        if (category == Tracing.HandlingSpans.Category && HandlingName().Match(name) is { Success: true } handling)
        {
            var kind = handling.Groups[1].Value[0] switch
            {
                Tracing.HandlingSpans.Load => WorkKind.Load,
                Tracing.HandlingSpans.Lookahead => WorkKind.Lookahead,
                _ => WorkKind.Handoff,
            };
            return (kind, Int(handling.Groups[2].Value), Int(handling.Groups[3].Value));
        }

        if (category == Tracing.ReducerSpans.Category && ReducerName().Match(name) is { Success: true } reduce)
        {
            return (reduce.Groups[1].Value == Tracing.ReducerSpans.Update ? WorkKind.Update : WorkKind.Fold, 0, Int(reduce.Groups[2].Value));
        }

        return null;

        static int Int(string digits) => int.Parse(digits, CultureInfo.InvariantCulture);
    }

    /// <summary>The mean: a compute-bound step is the sum of its work, so a heavy tail (a collection, a page fault, a preemption the sharing missed) counts as often as it happens.</summary>
    private static double Mean(List<double> values) => values.Average();

    /// <summary>The coefficient of variation of one op's times (population sd over mean); 0 with fewer than two samples or a zero mean.</summary>
    public static double Spread(IReadOnlyCollection<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 2)
        {
            return 0;
        }

        double mean = samples.Average();
        return mean > 0 ? Math.Sqrt(samples.Sum(sample => (sample - mean) * (sample - mean)) / samples.Count) / mean : 0;
    }

    private enum WorkKind
    {
        Forward,
        Backward,
        Load,
        Lookahead,
        Handoff,
        Fold,
        Update,
    }

    private sealed record WorkSpan(int Pid, long Tid, double Start, double End, WorkKind Kind, int Stage, int Step);

    /// <summary>
    /// The rate min(1, S / n(t)) of ops sharing S slots (S = 0: unlimited), n(t) the spans open at t,
    /// and its integral over any interval: one span's full-speed work.
    /// </summary>
    private sealed class ProcessorSharing
    {
        private readonly double[] _times;
        private readonly double[] _rates;
        private readonly double[] _rateIntegral;

        public ProcessorSharing(IReadOnlyList<(double Start, double End)> spans, double slots)
        {
            var edges = spans.SelectMany(span => new[] { (At: span.Start, Change: 1), (At: span.End, Change: -1) })
                .OrderBy(edge => edge.At).ThenBy(edge => edge.Change).ToArray();
            _times = new double[edges.Length];
            _rates = new double[edges.Length];
            _rateIntegral = new double[edges.Length];
            int open = 0;
            for (int i = 0; i < edges.Length; i++)
            {
                _times[i] = edges[i].At;
                double since = i == 0 ? 0 : _times[i] - _times[i - 1];
                _rateIntegral[i] = i == 0 ? 0 : _rateIntegral[i - 1] + (_rates[i - 1] * since);
                open += edges[i].Change;
                bool shared = slots > 0 && open > slots;
                _rates[i] = shared ? slots / open : 1;
            }
        }

        public double FullSpeedSeconds(double start, double end) => RateIntegral(end) - RateIntegral(start);

        private double RateIntegral(double time)
        {
            int index = Array.BinarySearch(_times, time);
            // On an edge, the integral up to it; between edges, from the last edge at its value.
            index = index >= 0 ? index : ~index - 1;
            return index < 0 ? 0 : _rateIntegral[index] + (_rates[index] * (time - _times[index]));
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

    [GeneratedRegex(@"^([LPH])(\d+)\.s(\d+)$")]
    private static partial Regex HandlingName();

    [GeneratedRegex(@"^(fold|update) s(\d+) r\d+$")]
    private static partial Regex ReducerName();

    [GeneratedRegex(@"^grad s(\d+) r\d+$")]
    private static partial Regex GradientName();

    [GeneratedRegex(@"^publish v(\d+)$")]
    private static partial Regex PublishName();

    [GeneratedRegex(@"^reducer (\d+)(?:\.(\d+))?$")]
    private static partial Regex ReducerTrack();

    [GeneratedRegex(@"^link \S+->(\S+)")]
    private static partial Regex LinkName();
}
