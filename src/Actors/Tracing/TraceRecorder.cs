using System.Collections.Concurrent;
using System.Diagnostics;

namespace CyclicActors.Actors.Tracing;

/// <summary>
/// Collects timeline events from all actors of the process (thread-safe) and writes them as a
/// Chrome trace (JSON object format), which Perfetto and chrome://tracing open: one track per
/// worker and per reducer, complete events for ops, instant events for arrivals and
/// publications, and a counter for live activation bytes. Timestamps are microseconds since the
/// recorder was created; <see cref="OriginUtc"/> is that moment on the wall clock, so that traces
/// of several nodes can be put on one time line (<see cref="TraceMerge"/>).
/// </summary>
public sealed class TraceRecorder
{
    /// <summary>The category of tensor-link transfer spans (<see cref="Transfer"/>).</summary>
    public const string TransferCategory = "transfer";

    /// <summary>The counter of the CPU time the process has used so far, in microseconds (<see cref="ProcessCpu"/>).</summary>
    public const string ProcessCpuCounter = "process cpu microseconds";

    private readonly ConcurrentQueue<TraceEvent> _events = new();
    private readonly ConcurrentDictionary<string, int> _tracks = new();
    private readonly Stopwatch _clock;
    private int _nextTrack;

    public TraceRecorder()
    {
        // The wall clock only anchors the origin (intervals use the monotonic stopwatch): read it
        // on both sides of the stopwatch's start, so a pause between the two reads splits in half.
        var before = DateTime.UtcNow;
        _clock = Stopwatch.StartNew();
        var after = DateTime.UtcNow;
        OriginUtc = before + ((after - before) / 2);
    }

    /// <summary>The wall-clock (UTC) moment timestamp 0 stands for.</summary>
    public DateTime OriginUtc { get; }

    public long NowMicroseconds => _clock.ElapsedTicks * 1_000_000 / Stopwatch.Frequency;

    public int EventCount => _events.Count;

    /// <summary>The track of a tensor link from <paramref name="from"/> to <paramref name="to"/>, e.g. "link A->B".</summary>
    public static string LinkTrack(string from, string to) => $"link {from}->{to}";

    /// <summary>An interval on <paramref name="track"/>, e.g. an op "F2.s5".</summary>
    public void Complete(string track, string name, long startMicroseconds, long endMicroseconds, string category) =>
        _events.Enqueue(new TraceEvent('X', TrackId(track), name, category, startMicroseconds, Math.Max(0, endMicroseconds - startMicroseconds), null));

    /// <summary>
    /// A tensor of <paramref name="bytes"/> crossing a link, from its first chunk sent to its last
    /// acknowledged, on a <see cref="LinkTrack"/>; the bytes let `cyclic plan` tell what moving them cost each end.
    /// </summary>
    public void Transfer(string linkTrack, string name, long startMicroseconds, long endMicroseconds, long bytes) =>
        _events.Enqueue(new TraceEvent('X', TrackId(linkTrack), name, TransferCategory, startMicroseconds, Math.Max(0, endMicroseconds - startMicroseconds), bytes));

    /// <summary>A point in time on <paramref name="track"/>, e.g. a gradient arrival.</summary>
    public void Instant(string track, string name, string category) =>
        _events.Enqueue(new TraceEvent('i', TrackId(track), name, category, NowMicroseconds, 0, null));

    /// <summary>A sample of a process-wide counter, drawn as its own counter track.</summary>
    public void Counter(string name, long value) =>
        _events.Enqueue(new TraceEvent('C', 0, name, "memory", NowMicroseconds, 0, value));

    /// <summary>
    /// A sample of the CPU time (user and system, all threads) the process has used: against the
    /// spans, what the traced work leaves out (actor dispatch, messages, the collector, tracing
    /// itself), which `cyclic plan` runs beside the ops it reads from the trace.
    /// </summary>
    public void ProcessCpu() =>
        _events.Enqueue(new TraceEvent('C', 0, ProcessCpuCounter, "cpu", NowMicroseconds, 0, (long)Environment.CpuUsage.TotalTime.TotalMicroseconds));

    /// <summary>Registers a track now, so tracks are ordered by when their actors started.</summary>
    public void RegisterTrack(string track) => TrackId(track);

    /// <summary>
    /// The tracks and events so far. Tracks are numbered 1, 2, … in registration order (ids the
    /// recorder skipped under a race are closed up).
    /// </summary>
    public TraceSnapshot Snapshot()
    {
        var tracks = _tracks.OrderBy(pair => pair.Value).ToArray();
        var renumbered = tracks.Select((pair, i) => (pair.Value, Position: i + 1)).ToDictionary(pair => pair.Value, pair => pair.Position);
        var events = _events.ToArray()
            .Select(e => new TraceEntry(e.Phase, e.Track == 0 ? 0 : renumbered[e.Track], e.Name, e.Category, e.Timestamp, e.Duration, e.Value))
            .ToArray();
        return new TraceSnapshot(OriginUtc, tracks.Select(pair => pair.Key).ToArray(), events);
    }

    /// <summary>Writes the trace of this process alone (pid 1, "cyclic").</summary>
    public void WriteJson(string path) => ChromeTraceFile.Write(path, [new ChromeTraceFile.Process(1, "cyclic", Snapshot(), 0)]);

    // Track ids follow first use; workers and reducers register their tracks when they start.
    private int TrackId(string track) => _tracks.GetOrAdd(track, _ => Interlocked.Increment(ref _nextTrack));

    private sealed record TraceEvent(char Phase, int Track, string Name, string Category, long Timestamp, long Duration, long? Value);
}
