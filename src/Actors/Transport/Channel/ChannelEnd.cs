namespace CyclicActors.Actors.Transport.Channel;

/// <summary>
/// How a tensor channel's connection ended: why, and whether it was refused because the peer broke
/// the protocol (a wrong token, bytes that are not a hello or a frame, an oversized frame), which
/// is worth a warning, unlike a channel that its peer closed or that failed with the network.
/// </summary>
public readonly record struct ChannelEnd(string Reason, bool Refused)
{
    public static ChannelEnd Closed(string reason) => new(reason, Refused: false);

    public static ChannelEnd Refusal(string reason) => new(reason, Refused: true);
}
