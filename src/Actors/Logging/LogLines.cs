using Akka.Actor;
using Akka.Event;

namespace CyclicActors.Actors.Logging;

/// <summary>
/// How our logger (<see cref="CappedConsoleLogger"/>) prints an event: on one line, causes as their
/// types and messages without stack frames (akka.loglevel = DEBUG keeps the frames: whoever asks for
/// that detail is debugging), and without what every healthy cluster run ends with: when a node that
/// has left the cluster exits, its connections close without a goodbye now and then, and Akka.Remote
/// reports that as a warning ("Association with remote system ADDR has failed ...
/// EndpointDisassociatedException") followed by the same failure again as an error with a stack
/// trace, or as "Tried to associate with unreachable remote address ADDR" when a last message was
/// still on its way there. The same reports about a node still Up in the cluster are a real loss and
/// are printed (as the warning, which names the node).
/// </summary>
public static class LogLines
{
    private const string DisassociatedType = "Akka.Remote.EndpointDisassociatedException";

    /// <summary>How Akka.Remote's warnings about one connection begin; their first parameter is the remote node's address.</summary>
    private static readonly string[] ConnectionReports = ["Association with remote system ", "Tried to associate with unreachable remote address "];

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
        string line = $"[{Akka.Event.Logging.StringFor(logEvent.LogLevel())}][{logEvent.Timestamp:MM/dd/yyyy HH:mm:ss.fff}Z][Thread {logEvent.Thread.ManagedThreadId:0000}][{logEvent.LogSource}] {WithoutStackFrames(logEvent.Message?.ToString() ?? string.Empty)}";
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
}
