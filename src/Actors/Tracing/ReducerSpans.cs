namespace CyclicActors.Actors.Tracing;

/// <summary>
/// The trace spans of a reducer's work, one per contribution it accepts, on its track: "fold s{k} r{r}"
/// when the contribution only joins the running sum, "update s{k} r{r}" when it completes a step, so
/// the span also holds the optimizer's update and the new version's publication. `cyclic plan`
/// reads a reducer's fold and update costs from them.
/// </summary>
public static class ReducerSpans
{
    public const string Category = "reduce";

    public const string Fold = "fold";

    public const string Update = "update";

    public static string Name(bool updated, int step, int rank) => $"{(updated ? Update : Fold)} s{step} r{rank}";
}
