namespace CyclicActors.Actors.Runtime;

/// <summary>
/// Names of the runtime's actors. Actors never find each other by these names while training (they
/// are wired with references); the names make traces and logs readable, and a seed resolves a
/// member's workers and reducers by path once, when the run is set up.
/// </summary>
public static class ActorNames
{
    public const string Coordinator = "coordinator";

    public static string Worker(int rank) => $"worker-{rank}";

    public static string Reducer(int stage) => $"reducer-{stage}";

    public static string ContributionRelay(int stage) => $"relay-{stage}";

    public static string StageDevice(int device) => $"stage-device-{device}";
}
