namespace CyclicActors.Actors.Settings;

/// <summary>
/// What a node does to rehearse a failure (cyclic-actors.fault-injection), just before op
/// <paramref name="AtOp"/> (its index in the micro-batch, 0..2L−1) of a step on any of its workers:
/// at <paramref name="KillAtStep"/> it kills its process; at <paramref name="CutLinksAtStep"/> it cuts
/// its cluster links. −1: never.
/// </summary>
public sealed record FaultInjection(int KillAtStep, int AtOp, int CutLinksAtStep = -1)
{
    public static readonly FaultInjection None = new(-1, 0);

    public bool Any => KillAtStep >= 0 || CutLinksAtStep >= 0;

    public bool KillsBefore(int step, int opIndex) => KillAtStep >= 0 && step == KillAtStep && opIndex == AtOp;

    public bool CutsLinksBefore(int step, int opIndex) => CutLinksAtStep >= 0 && step == CutLinksAtStep && opIndex == AtOp;
}
