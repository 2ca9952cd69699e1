using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace CyclicActors.Actors.Tracing;

/// <summary>
/// Collects timeline events from all actors of the process (thread-safe) and writes them as a
/// Chrome trace (JSON object format), which Perfetto and chrome://tracing open: one track per
/// worker and per reducer, complete events for ops, instant events for arrivals and
/// publications, and a counter for live activation bytes. Timestamps are microseconds since the
/// recorder was created.
/// </summary>
public sealed class TraceRecorder
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<TraceEvent> _events = new();
    private readonly ConcurrentDictionary<string, int> _tracks = new();
    private int _nextTrack;

    public long NowMicroseconds => _clock.ElapsedTicks * 1_000_000 / Stopwatch.Frequency;

    public int EventCount => _events.Count;

    /// <summary>An interval on <paramref name="track"/>, e.g. an op "F2.s5".</summary>
    public void Complete(string track, string name, long startMicroseconds, long endMicroseconds, string category) =>
        _events.Enqueue(new TraceEvent('X', TrackId(track), name, category, startMicroseconds, Math.Max(0, endMicroseconds - startMicroseconds), null));

    /// <summary>A point in time on <paramref name="track"/>, e.g. a gradient arrival.</summary>
    public void Instant(string track, string name, string category) =>
        _events.Enqueue(new TraceEvent('i', TrackId(track), name, category, NowMicroseconds, 0, null));

    /// <summary>A sample of a process-wide counter, drawn as its own counter track.</summary>
    public void Counter(string name, long value) =>
        _events.Enqueue(new TraceEvent('C', 0, name, "memory", NowMicroseconds, 0, value));

    public void WriteJson(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartArray("traceEvents");
        WriteMetadata(json, "process_name", 0, "cyclic");
        foreach (var (track, id) in _tracks.OrderBy(pair => pair.Value))
        {
            WriteMetadata(json, "thread_name", id, track);
            json.WriteStartObject();
            json.WriteString("ph", "M");
            json.WriteString("name", "thread_sort_index");
            json.WriteNumber("pid", 1);
            json.WriteNumber("tid", id);
            json.WriteStartObject("args");
            json.WriteNumber("sort_index", id);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        foreach (var e in _events.OrderBy(e => e.Timestamp))
        {
            json.WriteStartObject();
            json.WriteString("ph", e.Phase.ToString());
            json.WriteString("name", e.Name);
            json.WriteString("cat", e.Category);
            json.WriteNumber("pid", 1);
            json.WriteNumber("tid", e.Track);
            json.WriteNumber("ts", e.Timestamp);
            if (e.Phase == 'X')
            {
                json.WriteNumber("dur", e.Duration);
            }
            else if (e.Phase == 'i')
            {
                json.WriteString("s", "t");
            }

            if (e.CounterValue is { } value)
            {
                json.WriteStartObject("args");
                json.WriteNumber("bytes", value);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteMetadata(Utf8JsonWriter json, string kind, int track, string name)
    {
        json.WriteStartObject();
        json.WriteString("ph", "M");
        json.WriteString("name", kind);
        json.WriteNumber("pid", 1);
        json.WriteNumber("tid", track);
        json.WriteStartObject("args");
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    // Track ids follow first use; workers and reducers register their tracks when they start.
    private int TrackId(string track) => _tracks.GetOrAdd(track, _ => Interlocked.Increment(ref _nextTrack));

    /// <summary>Registers a track now, so tracks are ordered by when their actors started.</summary>
    public void RegisterTrack(string track) => TrackId(track);

    private sealed record TraceEvent(char Phase, int Track, string Name, string Category, long Timestamp, long Duration, long? CounterValue);
}
