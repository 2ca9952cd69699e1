using System.Text.Json;

namespace CyclicActors.Actors.Tracing;

/// <summary>
/// Writes traces as one Chrome trace (JSON object format), which Perfetto and chrome://tracing
/// open: one Chrome process per <see cref="Process"/>, one thread per track, events of all
/// processes in time order. A one-process run writes a single process (pid 1, "cyclic"); a
/// cluster run one per node (see <see cref="TraceMerge"/>).
/// </summary>
public static class ChromeTraceFile
{
    /// <summary>
    /// One Chrome process: <paramref name="Trace"/>'s timestamps are shifted by
    /// <paramref name="OffsetMicroseconds"/> so that processes share one time origin.
    /// </summary>
    public sealed record Process(int Pid, string Name, TraceSnapshot Trace, long OffsetMicroseconds);

    public static void Write(string path, IReadOnlyList<Process> processes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(processes);
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
        foreach (var process in processes)
        {
            WriteMetadata(json, "process_name", process.Pid, 0, process.Name);
            for (int i = 0; i < process.Trace.Tracks.Count; i++)
            {
                int track = i + 1;
                WriteMetadata(json, "thread_name", process.Pid, track, process.Trace.Tracks[i]);
                json.WriteStartObject();
                json.WriteString("ph", "M");
                json.WriteString("name", "thread_sort_index");
                json.WriteNumber("pid", process.Pid);
                json.WriteNumber("tid", track);
                json.WriteStartObject("args");
                json.WriteNumber("sort_index", track);
                json.WriteEndObject();
                json.WriteEndObject();
            }
        }

        var events = processes
            .SelectMany(process => process.Trace.Events.Select(e => (process.Pid, Event: e, Timestamp: e.Timestamp + process.OffsetMicroseconds)))
            .OrderBy(e => e.Timestamp);
        foreach (var (pid, e, timestamp) in events)
        {
            json.WriteStartObject();
            json.WriteString("ph", e.Phase.ToString());
            json.WriteString("name", e.Name);
            json.WriteString("cat", e.Category);
            json.WriteNumber("pid", pid);
            json.WriteNumber("tid", e.Track);
            json.WriteNumber("ts", timestamp);
            if (e.Phase == 'X')
            {
                json.WriteNumber("dur", e.Duration);
            }
            else if (e.Phase == 'i')
            {
                json.WriteString("s", "t");
            }

            if (e.Value is { } value)
            {
                json.WriteStartObject("args");
                json.WriteNumber(e.Name == TraceRecorder.ProcessCpuCounter ? "microseconds" : "bytes", value);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteMetadata(Utf8JsonWriter json, string kind, int pid, int track, string name)
    {
        json.WriteStartObject();
        json.WriteString("ph", "M");
        json.WriteString("name", kind);
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", track);
        json.WriteStartObject("args");
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
