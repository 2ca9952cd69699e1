using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Logging;

/// <summary>
/// Akka's logger for every ActorSystem of ours (akka.loggers in hocon/reference.conf): prints each
/// event to standard output on one line (<see cref="LogLines"/>: no stack frames, no reports of a
/// departed node's connection closing), through a <see cref="RepeatedLineCap"/> (cyclic-actors.logging),
/// so a failure that repeats in a loop prints a few lines and a count instead of gigabytes. What was
/// left out is summarized when its window ends and at shutdown.
/// </summary>
public sealed partial class CappedConsoleLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>, IWithTimers
{
    private readonly RepeatedLineCap _cap;
    private readonly bool _withStackFrames = Akka.Event.Logging.LogLevelFor(Context.System.Settings.LogLevel) == LogLevel.DebugLevel;

    public CappedConsoleLogger()
    {
        var settings = CyclicSettings.From(Context.System.Settings.Config);
        _cap = new RepeatedLineCap(settings.LogRepeatWindow, settings.LogRepeatsPerWindow, settings.LogLinesPerWindow);
        Receive<InitializeLogger>(_ =>
        {
            Timers.StartPeriodicTimer(nameof(FlushEnded), FlushEnded.Instance, _cap.Window);
            Sender.Tell(new LoggerInitialized());
        });
        Receive<LogEvent>(Admit);
        Receive<FlushEnded>(_ => Print(_cap.Flush(DateTime.UtcNow)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Events that repeat one failure share a key: the level, the source with its numbers folded
    /// (Akka names the actor of each new connection attempt with a counter) and the message
    /// template (the values filled into it, such as a peer's port, differ from line to line).
    /// </summary>
    public static string KeyOf(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var template = logEvent.Message is LogMessage message ? message.Format : logEvent.Message?.ToString() ?? string.Empty;
        return $"{logEvent.LogLevel()}|{Digits().Replace(logEvent.LogSource ?? string.Empty, "#")}|{template}";
    }

    private void Admit(LogEvent logEvent)
    {
        if (LogLines.IsAboutDepartedNode(logEvent, HasDeparted))
        {
            return;
        }

        Print(_cap.Admit(KeyOf(logEvent), _withStackFrames ? logEvent.ToString() : LogLines.OneLine(logEvent), logEvent.Timestamp));
    }

    /// <summary>A node that is leaving, gone or unknown to this node's view of the cluster, or any node once this one is leaving.</summary>
    private bool HasDeparted(Address node)
    {
        // A one-process run has no cluster; on a cluster node the extension starts after the loggers.
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

    protected override void PostStop()
    {
        Print(_cap.FlushAll());
        base.PostStop();
    }

    private static void Print(IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            Console.Out.WriteLine(line);
        }
    }

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();

    private sealed class FlushEnded
    {
        public static readonly FlushEnded Instance = new();
    }
}
