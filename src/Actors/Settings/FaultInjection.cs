namespace CyclicActors.Actors.Settings;

/// <summary>
/// Where a node kills itself to rehearse a failure (cyclic-actors.fault-injection): before op
/// <paramref name="KillAtOp"/> (its index in the micro-batch, 0..2L−1) of step <paramref name="KillAtStep"/>
/// on any of its workers; −1 never.
/// </summary>
public sealed record FaultInjection(int KillAtStep, int KillAtOp)
{
    public static readonly FaultInjection None = new(-1, 0);

    public bool KillsBefore(int step, int opIndex) => KillAtStep >= 0 && step == KillAtStep && opIndex == KillAtOp;
}
