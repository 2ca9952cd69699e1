using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>Messages between a member node and the coordinator singleton while it joins the training.</summary>
public interface IMembershipMessage : ICyclicMessage;

/// <summary>
/// A member, Up in the cluster, offers <paramref name="Workers"/> worker slots and says what it
/// will train with: the fingerprint of its model definition and of its own training data.
/// <paramref name="Node"/> is its cluster address, for messages that name it; <paramref name="Roles"/>
/// its cluster roles (with <c>reducer</c> it holds stage reducers, and may offer 0 workers).
/// </summary>
[MessagePackObject]
public sealed record MemberOffered(
    [property: Key(0)] string Node,
    [property: Key(1)] int Workers,
    [property: Key(2)] string ModelFingerprint,
    [property: Key(3)] string DataFingerprint,
    [property: Key(4)] int TrainSamples,
    [property: Key(5)] string[] Roles) : IMembershipMessage;

/// <summary>The member's workers get these global ranks (none for a reducer-only member).</summary>
[MessagePackObject]
public sealed record MemberAdmitted([property: Key(0)] int[] Ranks) : IMembershipMessage;

/// <summary>The member may not take part; the reason names what differs or what is missing.</summary>
[MessagePackObject]
public sealed record MemberRefused([property: Key(0)] string Reason) : IMembershipMessage;
