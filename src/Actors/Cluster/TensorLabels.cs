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
/// (0-based), for every worker of the receiving node. The transport's label has a step slot and a
/// rank slot; a publication carries its version in the first and leaves the second at 0.
/// </summary>
public readonly record struct PublicationLabel(int Version, int Stage)
{
    public TransferLabel ToTransfer() => new(Version, Stage, 0);

    public static PublicationLabel From(TransferLabel label) => new(label.Step, label.Stage);
}
