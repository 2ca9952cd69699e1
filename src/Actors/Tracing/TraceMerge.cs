namespace CyclicActors.Actors.Tracing;

/// <summary>One node's trace in a cluster run, named by the node's cluster address.</summary>
public sealed record NodeTrace(string Node, TraceSnapshot Trace);

/// <summary>
/// Puts the traces of several nodes into one Chrome trace: a process per node (pid 1, 2, … in
/// the given order, named by the node's address) and timestamps moved to the earliest origin,
/// using each recorder's wall-clock start. Across machines the alignment is only as good as the
/// hosts' clocks agree; within one machine it is exact to the clock's resolution.
/// </summary>
public static class TraceMerge
{
    public static IReadOnlyList<ChromeTraceFile.Process> Align(IReadOnlyList<NodeTrace> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0)
        {
            return [];
        }

        var origin = nodes.Min(node => node.Trace.OriginUtc);
        return nodes.Select((node, i) => new ChromeTraceFile.Process(i + 1, node.Node, node.Trace, (node.Trace.OriginUtc - origin).Ticks / TimeSpan.TicksPerMicrosecond)).ToArray();
    }

    public static void Write(string path, IReadOnlyList<NodeTrace> nodes) => ChromeTraceFile.Write(path, Align(nodes));
}
