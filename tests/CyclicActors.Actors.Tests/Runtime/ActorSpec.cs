using Akka.Configuration;
using CyclicActors.Actors.Settings;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Runtime;

/// <summary>
/// Base of every actor test: the TestKit's system with the reference configuration and
/// serialize-messages on, so a message that could not cross the wire fails here.
/// </summary>
public abstract class ActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config TestConfig = ConfigurationFactory.ParseString("""
        akka.actor.serialize-messages = on
        akka.loglevel = WARNING
        # Akka's own control messages that the trainer's shutdown (GracefulStop) and the TestKit's
        # teardown send; with serialize-messages on and unregistered types off they need a binding.
        # Our messages keep theirs (ICyclicMessage), which is what these tests verify.
        akka.actor.serialization-bindings {
          "Akka.Actor.PoisonPill, Akka" = json
          "Akka.Dispatch.SysMsg.StopChild, Akka" = json
        }
        """).WithFallback(CyclicSettings.Reference);

    protected ActorSpec(ITestOutputHelper output)
        : base(TestConfig, "cyclic-test", output)
    {
    }
}
