using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Tracing;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// Cuts a member's trace into <see cref="NodeTraceBatch"/>es that each serialize to at most a
/// byte budget (Akka drops a message larger than its frame limit, ~1.1 MB), and puts them back
/// together on the seed. The budget is kept by an upper bound of every field's MessagePack size
/// (3 UTF-8 bytes per UTF-16 unit, 9 bytes per integer), so no batch is serialized twice.
/// </summary>
public static class TraceBatches
{
    /// <summary>A quarter of the default frame limit: room for the envelope and for heartbeats beside it.</summary>
    public const int DefaultMaxBytes = 256 * 1024;

    // Array header, phase, track and three 9-byte integers, plus two string headers.
    private const int EventOverheadBytes = 48;

    // Array header, four integers, two array headers, the node's string header.
    private const int BatchOverheadBytes = 64;

    public static NodeTraceBatch[] Split(string node, TraceSnapshot trace, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(trace);
        var origin = (trace.OriginUtc - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        var tracks = trace.Tracks.ToArray();
        int fixedBytes = BatchOverheadBytes + MaxStringBytes(node) + tracks.Sum(MaxStringBytes);
        var pieces = new List<List<TraceEventRecord>> { new() };
        int bytes = fixedBytes;
        foreach (var e in trace.Events)
        {
            int size = EventOverheadBytes + MaxStringBytes(e.Name) + MaxStringBytes(e.Category);
            if (bytes + size > maxBytes && pieces[^1].Count > 0)
            {
                pieces.Add([]);
                bytes = fixedBytes;
            }

            pieces[^1].Add(new TraceEventRecord(e.Phase, e.Track, e.Name, e.Category, e.Timestamp, e.Duration, e.Value ?? 0));
            bytes += size;
        }

        return pieces.Select((events, i) => new NodeTraceBatch(node, i, pieces.Count, origin, tracks, events.ToArray())).ToArray();
    }

    /// <summary>The trace of one node from all its batches (any order; each sequence number once).</summary>
    public static NodeTrace Join(IReadOnlyList<NodeTraceBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var first = batches[0];
        var origin = DateTime.UnixEpoch.AddTicks(first.OriginUnixMicroseconds * TimeSpan.TicksPerMicrosecond);
        var events = batches.OrderBy(batch => batch.Sequence)
            .SelectMany(batch => batch.Events)
            .Select(e => new TraceEntry(e.Phase, e.Track, e.Name, e.Category, e.Timestamp, e.Duration, e.Phase == 'C' || e.Category == TraceRecorder.TransferCategory ? e.Value : null))
            .ToArray();
        return new NodeTrace(first.Node, new TraceSnapshot(origin, first.Tracks, events));
    }

    // MessagePack writes a string as a header (at most 5 bytes) and its UTF-8 bytes.
    private static int MaxStringBytes(string text) => 5 + (3 * text.Length);
}
