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

    /// <summary>Shard <paramref name="shard"/> of a stage's reducer, when the run splits them (<c>--reducer-shards</c> above 1).</summary>
    public static string Reducer(int stage, int shard, int shards) => shards == 1 ? Reducer(stage) : $"reducer-{stage}-{shard}";

    /// <summary>What splits a stage's gradients into the slices of its reducer shards.</summary>
    public static string GradientSplitter(int stage) => $"split-{stage}";

    /// <summary>What joins the reducer shards' slices of each version into one publication for this node's workers.</summary>
    public const string PublicationAssembler = "assemble";

    public static string ContributionRelay(int stage) => $"relay-{stage}";

    public static string StageDevice(int device) => $"stage-device-{device}";
}
