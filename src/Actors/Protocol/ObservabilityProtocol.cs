using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>
/// A member's progress, sent to the seed's session every
/// <c>cyclic-actors.cluster.progress-interval</c> while training runs. Every value is cumulative
/// (or a peak) so that a lost or late report loses nothing: tensor payload bytes this node's links
/// sent to each other member (<paramref name="Peers"/>[i] got <paramref name="BytesSent"/>[i]),
/// live and peak activation bytes of the node, and the micro-batches its workers completed.
/// <paramref name="ElapsedMilliseconds"/> is the member's own clock since its part started, so the
/// seed computes rates from the member's times, not from when reports happen to arrive.
/// </summary>
[MessagePackObject]
public sealed record NodeProgress(
    [property: Key(0)] string Node,
    [property: Key(1)] long ElapsedMilliseconds,
    [property: Key(2)] string[] Peers,
    [property: Key(3)] long[] BytesSent,
    [property: Key(4)] long LiveActivationBytes,
    [property: Key(5)] long PeakActivationBytes,
    [property: Key(6)] int MicroBatches) : IClusterTrainingMessage;

/// <summary>
/// One piece of a member's Chrome trace, sent to the seed at the end of a successful traced run.
/// A trace travels as <paramref name="Count"/> batches numbered 0 … Count−1 (each well under the
/// Akka frame limit), every one with the recorder's wall-clock origin (microseconds since the Unix
/// epoch, UTC) and its track names (event tracks are 1-based positions in it; 0 = a counter).
/// </summary>
[MessagePackObject]
public sealed record NodeTraceBatch(
    [property: Key(0)] string Node,
    [property: Key(1)] int Sequence,
    [property: Key(2)] int Count,
    [property: Key(3)] long OriginUnixMicroseconds,
    [property: Key(4)] string[] Tracks,
    [property: Key(5)] TraceEventRecord[] Events) : IClusterTrainingMessage;

/// <summary>
/// A trace event as it travels inside <see cref="NodeTraceBatch"/>: phase 'X' (interval), 'i'
/// (instant) or 'C' (counter sample, <paramref name="Value"/> bytes).
/// </summary>
[MessagePackObject]
public sealed record TraceEventRecord(
    [property: Key(0)] char Phase,
    [property: Key(1)] int Track,
    [property: Key(2)] string Name,
    [property: Key(3)] string Category,
    [property: Key(4)] long Timestamp,
    [property: Key(5)] long Duration,
    [property: Key(6)] long Value);
