namespace CyclicActors.Actors.Schedule;

public enum OpKind
{
    Forward,
    Backward,
}

/// <summary>
/// One stage operation of one micro-batch: worker <paramref name="Worker"/> (0-based) runs the
/// forward or backward of stage <paramref name="Stage"/> (1-based, as in the paper's figure) for its
/// micro-batch of training step <paramref name="Step"/>, at time step <paramref name="Tick"/>.
/// </summary>
public sealed record ScheduledOp(int Worker, int Step, int Stage, OpKind Kind, long Tick)
{
    public override string ToString() =>
        $"{(Kind == OpKind.Forward ? "F" : "B")}{Stage}.{Step} w{Worker} @{Tick}";
}
