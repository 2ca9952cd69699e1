namespace CyclicActors.Actors.Coordination;

/// <summary>
/// Names of the coordinator's children. Workers and reducers address each other by rank or stage
/// through these sibling names, so no message carries an actor reference.
/// </summary>
public static class ActorNames
{
    public const string Coordinator = "coordinator";

    public static string Worker(int rank) => $"worker-{rank}";

    public static string Reducer(int stage) => $"reducer-{stage}";

    public static string ContributionRelay(int stage) => $"relay-{stage}";

    /// <summary>Sibling selection of a worker, as seen from another child of the coordinator.</summary>
    public static string SiblingWorker(int rank) => "../" + Worker(rank);

    /// <summary>Sibling selection of every worker (a reducer's publication goes to all of them).</summary>
    public const string AllSiblingWorkers = "../worker-*";
}
