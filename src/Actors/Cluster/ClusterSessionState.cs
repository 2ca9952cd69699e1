using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Cluster;

/// <summary>Where the seed's session stands in setting up and ending a cluster run.</summary>
public enum SessionPhase
{
    /// <summary>Members offer workers; the admission decides.</summary>
    Admitting,

    /// <summary>The plan went out; members build their part and say where their tensor channels listen.</summary>
    Building,

    /// <summary>Every member is ready and knows its peers' endpoints; members wire their actors.</summary>
    Wiring,

    /// <summary>Every member is wired; the seed resolves the placed workers and reducers and starts the coordinator.</summary>
    Starting,

    /// <summary>The coordinator runs.</summary>
    Running,

    /// <summary>The run is over; the seed gathers statistics (and traces) and tells the members.</summary>
    Ending,
}

/// <summary>
/// The seed session's progress through a run, without actors (pure, like <see cref="AdmissionState"/>):
/// the plan once the admission is over, which members are ready (with their channel endpoints) and
/// which have wired their actors, each step allowed only in its phase. The session actor switches
/// behaviour with <see cref="Phase"/>. Mutable; owned by one actor.
/// </summary>
public sealed class ClusterSessionState
{
    private readonly Dictionary<string, NodeReady> _ready = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wired = new(StringComparer.Ordinal);

    public SessionPhase Phase { get; private set; }

    /// <summary>Where everything runs, once the admission is over.</summary>
    public NodePlanned? Plan { get; private set; }

    /// <summary>Members that built their part, in no particular order.</summary>
    public IReadOnlyCollection<string> ReadyNodes => _ready.Keys;

    /// <summary>Whether <paramref name="node"/> takes part in the planned run.</summary>
    public bool IsPlanned(string node) => Plan is { } plan && plan.Nodes.Contains(node);

    /// <summary>The admission is over: the plan places <paramref name="workers"/> ranks and <paramref name="stages"/> reducers on the members.</summary>
    public NodePlanned Admitted(IReadOnlyList<AdmittedNode> members, int workers, int stages, Func<int, int>? deviceOfStage = null, int reducerShards = 1)
    {
        Expect(SessionPhase.Admitting, "the admission ended");
        Plan = ClusterPlacement.Plan(members, workers, stages, deviceOfStage, reducerShards);
        Phase = SessionPhase.Building;
        return Plan;
    }

    /// <summary>
    /// A member built its part. Returns every member's channel endpoints, indexed like the plan's
    /// nodes, once all are ready (then the members wire); null while some are missing.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not a planned member, or not the time for it.</exception>
    public ChannelsPlanned? NodeReady(NodeReady ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        Expect(SessionPhase.Building, $"{ready.Node} reported ready");
        var plan = PlannedNode(ready.Node);
        _ready[ready.Node] = ready;
        if (_ready.Count < plan.Nodes.Length)
        {
            return null;
        }

        Phase = SessionPhase.Wiring;
        var endpoints = plan.Nodes.Select(node => _ready[node]).ToArray();
        return new ChannelsPlanned([.. endpoints.Select(r => r.ChannelHost)], [.. endpoints.Select(r => r.ChannelPort)], [.. endpoints.Select(r => r.ChannelToken)],
            [.. endpoints.Select(r => r.ChannelCertificate)]);
    }

    /// <summary>A member wired its actors; true once all have, and the placed actors can be resolved.</summary>
    public bool NodeWired(string node)
    {
        Expect(SessionPhase.Wiring, $"{node} reported wired");
        var plan = PlannedNode(node);
        _wired.Add(node);
        if (_wired.Count < plan.Nodes.Length)
        {
            return false;
        }

        Phase = SessionPhase.Starting;
        return true;
    }

    /// <summary>The placed actors are resolved and the coordinator runs.</summary>
    public void Started() => Phase = Phase == SessionPhase.Starting
        ? SessionPhase.Running
        : throw new InvalidOperationException($"The coordinator cannot start while the session is {Phase}.");

    /// <summary>The run is over, whatever the phase (a failure can end it at any point).</summary>
    public void Ending() => Phase = SessionPhase.Ending;

    private NodePlanned PlannedNode(string node) => Plan is { } plan && plan.Nodes.Contains(node)
        ? plan
        : throw new InvalidOperationException($"{node} is not in the plan ({string.Join(", ", Plan?.Nodes ?? [])}).");

    private void Expect(SessionPhase phase, string what)
    {
        if (Phase != phase)
        {
            throw new InvalidOperationException($"Unexpected: {what} while the session is {Phase}.");
        }
    }
}
