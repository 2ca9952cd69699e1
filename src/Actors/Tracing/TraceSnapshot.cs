namespace CyclicActors.Actors.Tracing;

/// <summary>
/// One recorded event. <paramref name="Track"/> is 0 for process-wide counters, else the
/// 1-based position of its track in <see cref="TraceSnapshot.Tracks"/>. Times are microseconds
/// since the recorder's origin.
/// </summary>
/// <param name="Phase">'X' (an interval), 'i' (an instant) or 'C' (a counter sample), as Chrome traces spell them.</param>
/// <param name="Value">A counter sample's value, or the bytes a transfer span carried (<see cref="TraceRecorder.Transfer"/>); null for other events.</param>
public sealed record TraceEntry(char Phase, int Track, string Name, string Category, long Timestamp, long Duration, long? Value);

/// <summary>
/// What a <see cref="TraceRecorder"/> holds at one moment: its wall-clock origin (UTC, the
/// moment its timestamps count from), its tracks in the order they were registered, and its events.
/// </summary>
public sealed record TraceSnapshot(DateTime OriginUtc, IReadOnlyList<string> Tracks, IReadOnlyList<TraceEntry> Events);
