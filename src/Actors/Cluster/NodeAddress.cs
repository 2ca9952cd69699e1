namespace CyclicActors.Actors.Cluster;

/// <summary>Short forms of a node's address (akka.tcp://SYSTEM@HOST:PORT) for display and trace track names.</summary>
public static class NodeAddress
{
    /// <summary>HOST:PORT, the part after the '@' (the whole text if it has none).</summary>
    public static string HostAndPort(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node[(node.LastIndexOf('@') + 1)..];
    }
}
