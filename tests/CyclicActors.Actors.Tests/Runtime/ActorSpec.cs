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
        """).WithFallback(CyclicSettings.Reference);

    protected ActorSpec(ITestOutputHelper output)
        : base(TestConfig, "cyclic-test", output)
    {
    }
}
