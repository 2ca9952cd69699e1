namespace CyclicActors.Actors.Settings;

/// <summary>
/// What a node does to rehearse a failure (cyclic-actors.fault-injection). Before op
/// <paramref name="AtOp"/> (its index in the micro-batch, 0..2L−1) of a step on any of its workers:
/// at <paramref name="KillAtStep"/> it kills its process; at <paramref name="CutLinksAtStep"/> it cuts
/// its cluster links. The same two at a publication instead of an op: as this node's reducer is
/// about to publish version <see cref="KillAtPublication"/> / <see cref="CutLinksAtPublication"/>
/// (it has just folded the step before: a loss in the middle of a reduction). −1: never.
/// <see cref="Message"/>: one message of a kind dropped or delayed.
/// </summary>
public sealed record FaultInjection(int KillAtStep, int AtOp, int CutLinksAtStep = -1)
{
    public static readonly FaultInjection None = new(-1, 0);

    public int KillAtPublication { get; init; } = -1;

    public int CutLinksAtPublication { get; init; } = -1;

    public MessageFault? Message { get; init; }

    /// <summary>Every gradient this node's workers compute for this step gets a NaN (a bad batch; every time, not once). −1: never.</summary>
    public int NanGradientAtStep { get; init; } = -1;

    public bool PoisonsGradientOf(int step) => NanGradientAtStep >= 0 && step == NanGradientAtStep;

    /// <summary>Whether a fault is set that fires before a worker's op (what at-op must fit).</summary>
    public bool AtAnOp => KillAtStep >= 0 || CutLinksAtStep >= 0;

    public bool KillsBefore(int step, int opIndex) => KillAtStep >= 0 && step == KillAtStep && opIndex == AtOp;

    public bool CutsLinksBefore(int step, int opIndex) => CutLinksAtStep >= 0 && step == CutLinksAtStep && opIndex == AtOp;

    public bool KillsAtPublication(int version) => KillAtPublication >= 0 && version == KillAtPublication;

    public bool CutsLinksAtPublication(int version) => CutLinksAtPublication >= 0 && version == CutLinksAtPublication;

    /// <summary>Reads cyclic-actors.fault-injection; every bad value names its key.</summary>
    /// <exception cref="Akka.Configuration.ConfigurationException">A value is out of range or two message faults are set.</exception>
    public static FaultInjection Read(Akka.Configuration.Config config)
    {
        const string Section = "cyclic-actors.fault-injection";
        const string Step = "a step, or -1 for never";
        int Int(string key, int minimum, string expected) => ConfigReader.RequireInt(config, $"{Section}.{key}", minimum, expected);
        var (drop, delayAt) = (Int("drop-at-step", -1, Step), Int("delay-at-step", -1, Step));
        MessageFault? message = null;
        if (drop >= 0 || delayAt >= 0)
        {
            if (drop >= 0 && delayAt >= 0)
            {
                throw new Akka.Configuration.ConfigurationException($"{Section}: drop-at-step ({drop}) and delay-at-step ({delayAt}) are both set; rehearse one message fault at a time.");
            }

            var kindKey = $"{Section}.message";
            var kind = ConfigReader.RequireString(config, kindKey) switch
            {
                "token" => FaultyMessage.Token,
                "gradient" => FaultyMessage.Gradient,
                var other => throw new Akka.Configuration.ConfigurationException($"Configuration key '{kindKey}' must be token or gradient; got '{other}'."),
            };
            message = new MessageFault(kind, Math.Max(drop, delayAt), drop >= 0 ? null : ConfigReader.RequirePositiveDuration(config, $"{Section}.delay", example: "2s"));
        }

        return new FaultInjection(Int("kill-at-step", -1, Step), Int("at-op", 0, "an op index from 0 to 2L-1"), Int("cut-links-at-step", -1, Step))
        {
            KillAtPublication = Int("kill-at-publication", -1, "a parameter version, or -1 for never"),
            CutLinksAtPublication = Int("cut-links-at-publication", -1, "a parameter version, or -1 for never"),
            Message = message,
            NanGradientAtStep = Int("nan-gradient-at-step", -1, Step),
        };
    }
}

/// <summary>The kinds of message fault injection can drop or delay.</summary>
public enum FaultyMessage
{
    /// <summary>The ring token a worker passes to the next rank.</summary>
    Token,

    /// <summary>A worker's gradient contribution to a stage's reducer.</summary>
    Gradient,
}

/// <summary>
/// The first <paramref name="Kind"/> message this node's workers send for step <paramref name="Step"/>
/// is dropped (<paramref name="Delay"/> null: a lost message) or held back for <paramref name="Delay"/>
/// (a late one). It fires once per node, not once per round: the run that re-forms after a drop
/// goes on undisturbed, as it would after a real lost packet.
/// </summary>
public sealed class MessageFault(FaultyMessage kind, int step, TimeSpan? delay)
{
    private int _fired;

    public FaultyMessage Kind { get; } = kind;

    public int Step { get; } = step;

    public TimeSpan? Delay { get; } = delay;

    public bool Fired => Volatile.Read(ref _fired) == 1;

    /// <summary>True once, for the first message that matches.</summary>
    public bool TryFire(FaultyMessage kind, int step) => kind == Kind && step == Step && Interlocked.Exchange(ref _fired, 1) == 0;

    public override string ToString() => Delay is { } d ? $"delay the first {Kind.ToString().ToLowerInvariant()} of step {Step} by {d.TotalSeconds:0.###} s" : $"drop the first {Kind.ToString().ToLowerInvariant()} of step {Step}";
}
