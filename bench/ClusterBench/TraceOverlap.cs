using CyclicActors.Actors.Tracing;
using System.Text.Json;

namespace CyclicActors.Bench.Cluster;

/// <summary>One node's share of tensor-sending time that ran while its workers computed.</summary>
internal sealed record NodeOverlap(string Node, double TransferSeconds, double OverlappedSeconds)
{
    public double Share => TransferSeconds > 0 ? OverlappedSeconds / TransferSeconds : 0;
}

/// <summary>
/// Reads a merged Chrome trace and, per node (Chrome process), measures how much of the time its
/// tensor links were sending ("transfer" spans on link tracks) overlapped its workers' forward and
/// backward ops (spans on worker tracks): |union(transfers) ∩ union(ops)| / |union(transfers)|.
/// Intervals are merged first, so concurrent links or workers are not counted twice.
/// </summary>
internal static class TraceOverlap
{
    public static IReadOnlyList<NodeOverlap> Measure(string traceFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(traceFile));
        var events = document.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
        var processNames = new Dictionary<int, string>();
        var threadNames = new Dictionary<(int, int), string>();
        foreach (var e in events.Where(e => e.GetProperty("ph").GetString() == "M"))
        {
            var pid = e.GetProperty("pid").GetInt32();
            var name = e.GetProperty("args").TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty;
            switch (e.GetProperty("name").GetString())
            {
                case "process_name":
                    processNames[pid] = name;
                    break;
                case "thread_name":
                    threadNames[(pid, e.GetProperty("tid").GetInt32())] = name;
                    break;
            }
        }

        var spans = events
            .Where(e => e.GetProperty("ph").GetString() == "X")
            .Select(e => (
                Pid: e.GetProperty("pid").GetInt32(),
                Track: threadNames.GetValueOrDefault((e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32())) ?? string.Empty,
                Category: e.TryGetProperty("cat", out var c) ? c.GetString() ?? string.Empty : string.Empty,
                Start: e.GetProperty("ts").GetDouble(),
                End: e.GetProperty("ts").GetDouble() + e.GetProperty("dur").GetDouble()))
            .ToArray();
        return spans.GroupBy(span => span.Pid)
            .Select(node =>
            {
                var transfers = Union(node.Where(s => s.Category == TraceRecorder.TransferCategory).Select(s => (s.Start, s.End)));
                var compute = Union(node.Where(s => s.Track.StartsWith("worker", StringComparison.Ordinal) && s.Category == "op").Select(s => (s.Start, s.End)));
                return new NodeOverlap(processNames.GetValueOrDefault(node.Key) ?? $"pid {node.Key}", Length(transfers) / 1e6, Length(Intersect(transfers, compute)) / 1e6);
            })
            .Where(node => node.TransferSeconds > 0)
            .OrderBy(node => node.Node, StringComparer.Ordinal)
            .ToArray();
    }

    public static List<(double Start, double End)> Union(IEnumerable<(double Start, double End)> intervals)
    {
        var merged = new List<(double Start, double End)>();
        foreach (var (start, end) in intervals.Where(i => i.End > i.Start).OrderBy(i => i.Start))
        {
            if (merged.Count > 0 && start <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, end));
            }
            else
            {
                merged.Add((start, end));
            }
        }

        return merged;
    }

    /// <summary>The intersection of two sorted, disjoint interval lists.</summary>
    public static List<(double Start, double End)> Intersect(IReadOnlyList<(double Start, double End)> a, IReadOnlyList<(double Start, double End)> b)
    {
        var result = new List<(double Start, double End)>();
        int i = 0, j = 0;
        while (i < a.Count && j < b.Count)
        {
            var start = Math.Max(a[i].Start, b[j].Start);
            var end = Math.Min(a[i].End, b[j].End);
            if (end > start)
            {
                result.Add((start, end));
            }

            if (a[i].End < b[j].End)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return result;
    }

    public static double Length(IEnumerable<(double Start, double End)> intervals) => intervals.Sum(i => i.End - i.Start);
}
