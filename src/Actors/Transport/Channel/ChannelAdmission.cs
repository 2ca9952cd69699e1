using System.Security.Cryptography.X509Certificates;

namespace CyclicActors.Actors.Transport.Channel;

/// <summary>
/// Decides on a new channel once its hello is read: <paramref name="peer"/> is the certificate the peer
/// authenticated with (null without TLS). It may wait (the plan naming this run's peers can arrive a
/// moment after a fast peer connects) until <paramref name="cancel"/>, the hello deadline, fires.
/// </summary>
public delegate ValueTask<ChannelAdmission> ChannelAdmitter(ChannelHello hello, X509Certificate? peer, CancellationToken cancel);

/// <summary>Where an admitted channel's chunks go, or why the channel is refused (one line).</summary>
public readonly record struct ChannelAdmission(Action<ReassemblyStep>? OnChunk, string? Refusal)
{
    public static ChannelAdmission Admit(Action<ReassemblyStep> onChunk) => new(onChunk ?? throw new ArgumentNullException(nameof(onChunk)), null);

    public static ChannelAdmission Refuse(string reason) => new(null, reason ?? throw new ArgumentNullException(nameof(reason)));
}
