namespace CyclicActors.Actors.Tracing;

/// <summary>
/// The trace spans of a worker's work around its passes: loading a published version into the
/// replica ("L{j}.s{k}"), computing the look-ahead point there ("P{j}.s{k}") and copying a
/// gradient out into its message ("H{j}.s{k}"), all of category <see cref="Category"/> on the
/// worker's track: the run's own costs of that work, which `cyclic plan` profiles apart.
/// </summary>
public static class HandlingSpans
{
    public const string Category = "handling";

    public const char Load = 'L';

    public const char Lookahead = 'P';

    public const char Handoff = 'H';

    public static string Name(char kind, int stage, int step) => $"{kind}{stage}.s{step}";
}
