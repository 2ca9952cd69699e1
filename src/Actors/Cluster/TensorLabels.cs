using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Cluster;

/// <summary>A gradient on the wire: worker <paramref name="Rank"/>'s contribution to stage <paramref name="Stage"/> (0-based) for step <paramref name="Step"/>.</summary>
public readonly record struct GradientLabel(int Step, int Stage, int Rank)
{
    public TransferLabel ToTransfer() => new(Step, Stage, Rank);

    public static GradientLabel From(TransferLabel label) => new(label.Step, label.Stage, label.Rank);
}

/// <summary>
/// A publication on the wire: version <paramref name="Version"/> of stage <paramref name="Stage"/>
/// (0-based), for every worker of the receiving node, or under ZeRO for rank <paramref name="To"/> only,
/// as passed on by rank <paramref name="Carrier"/> (−1: by the stage's owner). The transport's label has
/// a step slot and a rank slot; a publication carries its version in the first, and in the second 0
/// for every worker, else 1 + To + (Carrier + 1)·2^16.
/// </summary>
public readonly record struct PublicationLabel(int Version, int Stage, int? To = null, int Carrier = -1)
{
    /// <summary>Ranks and carriers must fit the rank slot's 16-bit halves.</summary>
    public const int MaxRanks = 1 << 15;

    public TransferLabel ToTransfer()
    {
        if (To is not { } to)
        {
            return new(Version, Stage, 0);
        }

        if (to < 0 || to >= MaxRanks || Carrier < -1 || Carrier >= MaxRanks)
        {
            throw new ArgumentOutOfRangeException(nameof(To), $"A baton for rank {to} from {Carrier} does not fit the label (ranks below {MaxRanks}).");
        }

        return new(Version, Stage, 1 + to + ((Carrier + 1) << 16));
    }

    public static PublicationLabel From(TransferLabel label)
    {
        if (label.Rank == 0)
        {
            return new(label.Step, label.Stage);
        }

        var slot = label.Rank - 1;
        return new(label.Step, label.Stage, slot & 0xFFFF, (slot >> 16) - 1);
    }
}

/// <summary>
/// The model placement's tensors between stage devices on the gradient link (which carries no
/// gradient contributions there, each stage folding its own): rank <paramref name="Rank"/>'s activation
/// for the input of stage <paramref name="Stage"/> (0-based) of step <paramref name="Step"/> when
/// <paramref name="Forward"/>, else the gradient of that stage's output. The rank slot carries
/// 2·rank for a forward and 2·rank + 1 for a backward (every slot of a label is non-negative on the wire).
/// </summary>
public readonly record struct StageTensorLabel(int Step, int Rank, int Stage, bool Forward)
{
    public TransferLabel ToTransfer() => new(Step, Stage, (2 * Rank) + (Forward ? 0 : 1));

    public static StageTensorLabel From(TransferLabel label) => new(label.Step, label.Rank / 2, label.Stage, Forward: label.Rank % 2 == 0);
}
