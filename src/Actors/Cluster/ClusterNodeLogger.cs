using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// The logger of cluster nodes (akka.loggers in hocon/cluster.conf): prints every event on one line
/// of standard output, causes as their types and messages without stack frames (akka.loglevel =
/// DEBUG keeps the frames: whoever asks for that detail is debugging). It leaves out what every
/// healthy run ends with: when a node that has left the cluster exits, its connections close without
/// a goodbye now and then, and Akka.Remote reports that as a warning ("Association with remote system
/// ADDR has failed ... EndpointDisassociatedException") followed by the same failure again as an
/// error with a stack trace, or as "Tried to associate with unreachable remote address ADDR" when a
/// last message was still on its way there. The same reports about a node still Up in the cluster
/// are a real loss and are printed (as the warning, which names the node).
/// </summary>
public sealed class ClusterNodeLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private const string DisassociatedType = "Akka.Remote.EndpointDisassociatedException";

    /// <summary>How Akka.Remote's warnings about one connection begin; their first parameter is the remote node's address.</summary>
    private static readonly string[] ConnectionReports = ["Association with remote system ", "Tried to associate with unreachable remote address "];

    private readonly bool _withStackFrames = Logging.LogLevelFor(Context.System.Settings.LogLevel) == LogLevel.DebugLevel;

    public ClusterNodeLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Print);
    }

    /// <summary>
    /// True for Akka.Remote's reports of a failed or closed connection to a node that has left (or was
    /// never part of) the cluster, as <paramref name="hasDeparted"/> judges the node, and for the
    /// error that always repeats the closed-connection warning.
    /// </summary>
    public static bool IsAboutDepartedNode(LogEvent logEvent, Func<Address, bool> hasDeparted)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(hasDeparted);
        if (logEvent is Error && logEvent.Cause?.GetType().FullName == DisassociatedType)
        {
            // The endpoint's supervisor has just logged the same failure as a warning naming the node.
            return true;
        }

        return logEvent is Warning
            && ConnectionReports.Any(report => logEvent.GetTemplate().StartsWith(report, StringComparison.Ordinal))
            && logEvent.GetParameters().FirstOrDefault() is Address remote
            && hasDeparted(remote);
    }

    /// <summary>The event on one line: level, time, thread, source, message, and each cause's type and message.</summary>
    public static string OneLine(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        string line = $"[{Logging.StringFor(logEvent.LogLevel())}][{logEvent.Timestamp:MM/dd/yyyy HH:mm:ss.fff}Z][Thread {logEvent.Thread.ManagedThreadId:0000}][{logEvent.LogSource}] {WithoutStackFrames(logEvent.Message?.ToString() ?? string.Empty)}";
        return logEvent.Cause is { } cause ? $"{line} (cause: {WithoutStackFrames(cause.ToString())})" : line;
    }

    /// <summary>An exception's text (type, message, inner exceptions) without its stack frames, on one line.</summary>
    public static string WithoutStackFrames(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => !line.TrimStart().StartsWith("at ", StringComparison.Ordinal) && !line.TrimStart().StartsWith("--- End of", StringComparison.Ordinal))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0);
        return string.Join(' ', lines);
    }

    private void Print(LogEvent logEvent)
    {
        if (IsAboutDepartedNode(logEvent, HasDeparted))
        {
            return;
        }

        Console.WriteLine(_withStackFrames ? logEvent.ToString() : OneLine(logEvent));
    }

    /// <summary>A node that is leaving, gone or unknown to this node's view of the cluster, or any node once this one is leaving.</summary>
    private bool HasDeparted(Address node)
    {
        // Only a cluster node has this logger, but the cluster extension starts after the loggers.
        if (!Context.System.HasExtension<Akka.Cluster.Cluster>())
        {
            return false;
        }

        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var members = cluster.State.Members;
        var self = members.FirstOrDefault(member => member.Address.Equals(cluster.SelfAddress));
        if (self is null || !IsActive(self.Status))
        {
            return true;
        }

        var peer = members.FirstOrDefault(member => member.Address.Equals(node));
        return peer is null || !IsActive(peer.Status);
    }

    private static bool IsActive(Akka.Cluster.MemberStatus status) =>
        status is Akka.Cluster.MemberStatus.Joining or Akka.Cluster.MemberStatus.WeaklyUp or Akka.Cluster.MemberStatus.Up;
}
