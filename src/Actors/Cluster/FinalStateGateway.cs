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
            _link!.Tell(new SendTensor(new PublicationLabel(state.Version, Reduce.ReducerShards.WireStage(state.Stage, state.Shard)).ToTransfer(), FinalStateInbox.Flatten(state), ReplyTo: null));
        });
        ReceiveAny(message => _reducer.Tell(message, Sender));
    }

    /// <summary>The gateway of a stage's reducer, or of one of its shards when the run shards them.</summary>
    public static string Name(int stage, int shard = 0) => shard == 0 ? $"final-{stage}" : $"final-{stage}-{shard}";

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

    /// <summary>The reducer's two counters travel as the tensor's last values, their 64 bits each in two floats' bits (exact).</summary>
    private const int CounterSlots = 4;

    /// <summary>Parameters, then momentum of the same length, then the counters folded and refused.</summary>
    public static float[] Flatten(FinalStageState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var flat = new float[state.Parameters.Length + state.Momentum.Length + CounterSlots];
        state.Parameters.CopyTo(flat, 0);
        state.Momentum.CopyTo(flat, state.Parameters.Length);
        var counters = flat.AsSpan(flat.Length - CounterSlots);
        WriteCounter(counters[..2], state.ContributionsFolded);
        WriteCounter(counters[2..], state.DuplicatesRefused);
        return flat;
    }

    /// <summary>The inverse of <see cref="Flatten"/>.</summary>
    /// <exception cref="InvalidDataException">The tensor cannot be a final state (odd length without its counters).</exception>
    public static FinalStageState ToMessage(TensorReceived received)
    {
        ArgumentNullException.ThrowIfNull(received);
        using var tensor = received.Tensor;
        var label = PublicationLabel.From(received.Label);
        var values = tensor.Length - CounterSlots;
        if (values < 0 || values % 2 != 0)
        {
            throw new InvalidDataException($"A final state of stage {label.Stage} arrived with {tensor.Length} values; it needs parameters and momentum of one length and {CounterSlots} counter slots.");
        }

        var half = values / 2;
        var counters = tensor.Span[values..];
        var (stage, shard) = Reduce.ReducerShards.FromWire(label.Stage);
        return new FinalStageState(stage, label.Version, tensor.Span[..half].ToArray(), tensor.Span[half..values].ToArray(),
            ReadCounter(counters[..2]), ReadCounter(counters[2..])) { Shard = shard };
    }

    private static void WriteCounter(Span<float> slots, long value)
    {
        slots[0] = BitConverter.Int32BitsToSingle((int)(value & 0xFFFF_FFFF));
        slots[1] = BitConverter.Int32BitsToSingle((int)(value >> 32));
    }

    private static long ReadCounter(ReadOnlySpan<float> slots) =>
        (uint)BitConverter.SingleToInt32Bits(slots[0]) | ((long)BitConverter.SingleToInt32Bits(slots[1]) << 32);
}
