using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Logging;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Logging;

/// <summary>
/// What the cluster nodes' logger leaves out (Akka.Remote's reports about the connection of a node
/// that has left) and how it prints the rest (one line, no stack frames). The events are real ones,
/// logged through an Akka logging adapter, as Akka.Remote logs them.
/// </summary>
public sealed class LogLinesTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Address Departed = Address.Parse("akka.tcp://cyclic@127.0.0.1:40001");
    private static readonly Address StillUp = Address.Parse("akka.tcp://cyclic@127.0.0.1:40002");

    public LogLinesTests(ITestOutputHelper output)
        : base("akka.loglevel = WARNING", "cyclic-logger-test", output)
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Warning));
        Sys.EventStream.Subscribe(TestActor, typeof(Error));
    }

    [Fact]
    public void A_closed_connection_to_a_departed_node_is_left_out_and_one_to_a_node_still_up_is_printed()
    {
        var departed = LoggedWarning("Association with remote system {0} has failed; address is now gated for {1} ms. Reason is: [{2}]", Departed, 1000.0, Disassociated());
        var stillUp = LoggedWarning("Association with remote system {0} has failed; address is now gated for {1} ms. Reason is: [{2}]", StillUp, 1000.0, Disassociated());

        Assert.True(LogLines.IsAboutDepartedNode(departed, HasDeparted));
        Assert.False(LogLines.IsAboutDepartedNode(stillUp, HasDeparted));
    }

    [Fact]
    public void A_failed_association_attempt_to_a_departed_node_is_left_out()
    {
        var warning = LoggedWarning("Tried to associate with unreachable remote address [{0}]. Address is now gated for {1} ms, all messages to this address will be delivered to dead letters. Reason: [{2}] {3}",
            Departed, 1000.0, "Connection refused", string.Empty);

        Assert.True(LogLines.IsAboutDepartedNode(warning, HasDeparted));
    }

    [Fact]
    public void The_error_that_repeats_a_disassociation_warning_is_always_left_out_and_other_errors_never()
    {
        Assert.True(LogLines.IsAboutDepartedNode(LoggedError(Disassociated(), "Disassociated"), _ => false));
        Assert.False(LogLines.IsAboutDepartedNode(LoggedError(new InvalidOperationException("boom"), "Disassociated"), _ => true));
    }

    [Fact]
    public void Other_warnings_naming_a_departed_node_are_printed()
    {
        var warning = LoggedWarning("Refused node {0}: it has the {1} role", Departed, "coordinator");

        Assert.False(LogLines.IsAboutDepartedNode(warning, HasDeparted));
    }

    [Fact]
    public void An_event_with_a_cause_is_one_line_with_every_cause_and_no_stack_frame()
    {
        var thrown = Assert.Throws<InvalidOperationException>(ThrowNested);
        Assert.Contains("   at ", thrown.ToString());
        var line = LogLines.OneLine(LoggedError(thrown, "Failed to bind to {0}", "127.0.0.1:4053"));

        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain(" at ", line);
        Assert.StartsWith("[ERROR][", line);
        Assert.Contains("Failed to bind to 127.0.0.1:4053 (cause: System.InvalidOperationException: outer ---> System.IO.IOException: inner", line);
    }

    [Fact]
    public void A_warning_with_an_exception_argument_is_one_line()
    {
        var line = LogLines.OneLine(LoggedWarning("Association with remote system {0} has failed. Reason is: [{1}]", StillUp, Disassociated()));

        Assert.DoesNotContain('\n', line);
        Assert.Contains($"Association with remote system {StillUp} has failed. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated", line);
    }

    private static bool HasDeparted(Address node) => node.Equals(Departed);

    private static void ThrowNested()
    {
        try
        {
            throw new IOException("inner");
        }
        catch (IOException e)
        {
            throw new InvalidOperationException("outer", e);
        }
    }

    /// <summary>Akka.Remote's internal exception for a connection that closed, made as Akka.Remote makes it (and thrown, so it has a stack trace).</summary>
    private static Exception Disassociated()
    {
        var type = Type.GetType("Akka.Remote.EndpointDisassociatedException, Akka.Remote", throwOnError: true)!;
        try
        {
            throw (Exception)Activator.CreateInstance(type, "Disassociated")!;
        }
        catch (Exception e) when (e.GetType() == type)
        {
            return e;
        }
    }

    private Warning LoggedWarning(string format, params object[] args)
    {
        Akka.Event.Logging.GetLogger(Sys, "endpoint").Warning(format, args);
        return ExpectMsg<Warning>();
    }

    private Error LoggedError(Exception cause, string format, params object[] args)
    {
        Akka.Event.Logging.GetLogger(Sys, "endpoint").Error(cause, format, args);
        return ExpectMsg<Error>();
    }
}
