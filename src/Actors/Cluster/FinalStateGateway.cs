using Akka.Actor;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Cluster;

/// <summary>Local, host to gateway: a reducer's cut of run round <paramref name="Round"/>, for the coordinator on <paramref name="Seed"/>.</summary>
public sealed record CutToSeed(StageCut Cut, Address Seed, int Round) : INoSerializationVerificationNeeded;

/// <summary>
/// What the coordinator addresses as a member's reducer: passes everything to the reducer, except
/// that the reducer's final state (parameters and momentum of its stage, the largest message of a
/// run) and its cuts go back to the seed through a tensor link in bounded chunks instead of as one
/// message (a cut as one tensor, <see cref="StageCutWire"/>).
/// </summary>
public sealed class FinalStateGateway : ReceiveActor
{
    private readonly IActorRef _reducer;
    private readonly TransportSettings _transport;
    private IActorRef? _link;

    public FinalStateGateway(IActorRef reducer, TransportSettings transport)
    {
        _reducer = reducer;
        _transport = transport;
        Receive<FinalStateRequested>(request =>
        {
            // The coordinator runs on the seed; its session receives the state there.
            LinkTo(Sender.Path.Address);
            _reducer.Tell(request, Self);
        });
        Receive<CutToSeed>(cut => LinkTo(cut.Seed).Tell(new SendTensor(StageCutWire.Label(cut.Cut, cut.Round), StageCutWire.Flatten(cut.Cut), ReplyTo: null)));
        Receive<FinalStageState>(state =>
        {
            var both = new float[state.Parameters.Length + state.Momentum.Length];
            state.Parameters.CopyTo(both, 0);
            state.Momentum.CopyTo(both, state.Parameters.Length);
            _link!.Tell(new SendTensor(new PublicationLabel(state.Version, state.Stage).ToTransfer(), both, ReplyTo: null));
        });
        ReceiveAny(message => _reducer.Tell(message, Sender));
    }

    public static string Name(int stage) => $"final-{stage}";

    // One link per stage to the seed's inbox: cuts and the final state leave in the order they were taken.
    private IActorRef LinkTo(Address seed)
    {
        var peer = Context.ActorSelection(new RootActorPath(seed) / "user" / CoordinatorSingleton.ManagerName / "singleton" / FinalStateInbox.Name);
        return _link ??= Context.ActorOf(Props.Create(() => new TensorLinkSender(peer, _transport)), "link-final");
    }
}

/// <summary>On the seed: turns final states that arrived through a tensor link back into <see cref="FinalStageState"/>.</summary>
public static class FinalStateInbox
{
    public const string Name = "final-in";

    /// <summary>Whether a tensor that arrived is a cut (else a final state).</summary>
    public static bool IsCut(TensorReceived received) => StageCutWire.IsCut(received?.Label ?? throw new ArgumentNullException(nameof(received)));

    /// <summary>Parameters first, then momentum of the same length.</summary>
    public static FinalStageState ToMessage(TensorReceived received)
    {
        ArgumentNullException.ThrowIfNull(received);
        using var tensor = received.Tensor;
        var half = tensor.Length / 2;
        var label = PublicationLabel.From(received.Label);
        return new FinalStageState(label.Stage, label.Version, tensor.Span[..half].ToArray(), tensor.Span[half..].ToArray());
    }
}
