using MessagePack;

namespace CyclicActors.Actors.Protocol;

/// <summary>Messages that set up and end a training run across cluster nodes (seed ↔ members).</summary>
public interface IClusterTrainingMessage : ICyclicMessage;

/// <summary>A member, Up in the cluster, asks the coordinator what to train (it offers <paramref name="Workers"/> slots).</summary>
[MessagePackObject]
public sealed record TrainingOptionsRequested(
    [property: Key(0)] string Node,
    [property: Key(1)] int Workers) : IClusterTrainingMessage;

/// <summary>
/// The training options, given once on the seed: everything that determines the arithmetic. A
/// member builds its model and reads its own data from them, then offers its fingerprints.
/// Rule, freshness, compensation and pacing travel as their CLI names. <paramref name="Trace"/>: members
/// record a Chrome trace and send it to the seed at the end (it decides nothing in the arithmetic,
/// nor does the pacing of each member's device). <paramref name="CutEvery"/> and <paramref name="FinalCut"/>:
/// the reducers take cuts for the seed's checkpoints (<see cref="StageCut"/>); <paramref name="ResumeStep"/>
/// above 0: the run resumes from the seed's cut at that step, which each member receives before it builds.
/// <paramref name="Round"/>: how many times the run re-formed after losing a member (0 at first); it
/// names the round's resume inbox and marks its cuts, so that nothing of an earlier round is taken for this one.
/// <paramref name="ContinueOnMemberLoss"/>: a member whose part fails reports it and waits for the seed to re-form the run.
/// </summary>
[MessagePackObject]
public sealed record TrainingOptionsShared(
    [property: Key(0)] string Model,
    [property: Key(1)] int Stages,
    [property: Key(2)] string Partition,
    [property: Key(3)] int Workers,
    [property: Key(4)] int MicroBatch,
    [property: Key(5)] int Epochs,
    [property: Key(6)] int MaxSteps,
    [property: Key(7)] float LearningRate,
    [property: Key(8)] float Momentum,
    [property: Key(9)] float WeightDecay,
    [property: Key(10)] ulong Seed,
    [property: Key(11)] string Rule,
    [property: Key(12)] string Freshness,
    [property: Key(13)] string Compensation,
    [property: Key(14)] string LearningRateSchedule,
    [property: Key(15)] bool Trace,
    [property: Key(16)] string Pacing,
    [property: Key(17)] int CutEvery = 0,
    [property: Key(18)] bool FinalCut = false,
    [property: Key(19)] int ResumeStep = 0,
    [property: Key(20)] int Round = 0,
    [property: Key(21)] bool ContinueOnMemberLoss = false,
    [property: Key(22)] string OnNonFinite = "stop") : IClusterTrainingMessage
{
    /// <summary>The steps every stage skips (--on-nonfinite skip met a NaN there, or the checkpoint resumed from names them).</summary>
    [Key(23)]
    public int[] SkippedSteps { get; init; } = [];

    /// <summary>data | model | zero (<see cref="Planning.Parallelism"/>).</summary>
    [Key(24)]
    public string Parallelism { get; init; } = "data";

    /// <summary>The model placement's device cap; 0 for none.</summary>
    [Key(25)]
    public int Devices { get; init; }

    /// <summary>Cuts for evaluation during training every this many steps (0: none); they change nothing else.</summary>
    [Key(26)]
    public int EvaluateEvery { get; init; }

    /// <summary>A model from a file: its layers' canonical text; empty for the preset named <see cref="Model"/>.</summary>
    [Key(27)]
    public string ModelLayers { get; init; } = "";

    /// <summary>Each stage's reducer split into this many shards of its parameters (1: one reducer per stage).</summary>
    [Key(28)]
    public int ReducerShards { get; init; } = 1;
}

/// <summary>
/// Where everything runs: <paramref name="Nodes"/> are the admitted members' addresses; rank r's
/// worker runs on <c>Nodes[RankOwners[r]]</c> and stage s's reducer on <c>Nodes[StageOwners[s]]</c>;
/// with reducer shards, shard k of stage s on <c>Nodes[ShardOwners[s·S + k]]</c> (see <see cref="OwnerOf"/>).
/// </summary>
[MessagePackObject]
public sealed record NodePlanned(
    [property: Key(0)] string[] Nodes,
    [property: Key(1)] int[] RankOwners,
    [property: Key(2)] int[] StageOwners) : IClusterTrainingMessage
{
    /// <summary>Where each stage's reducer shards run, stage-major; empty: one reducer per stage (at <see cref="StageOwners"/>).</summary>
    [Key(3)]
    public int[] ShardOwners { get; init; } = [];

    /// <summary>Reducer shards per stage (1 when <see cref="ShardOwners"/> is empty).</summary>
    [IgnoreMember]
    public int ReducerShards => ShardOwners.Length == 0 ? 1 : ShardOwners.Length / Math.Max(1, StageOwners.Length);

    /// <summary>The node index that runs shard <paramref name="shard"/> of stage <paramref name="stage"/>'s reducer.</summary>
    public int OwnerOf(int stage, int shard) => ShardOwners.Length == 0 ? StageOwners[stage] : ShardOwners[(stage * ReducerShards) + shard];
}

/// <summary>
/// A member has created its workers, reducers and relays for the plan; on the channel tensor path
/// it also says where its tensor channels listen, the token peers must present and, with TLS, the
/// fingerprint of the certificate its channels authenticate with (empty host and port 0 on the
/// Akka path; an empty fingerprint without TLS).
/// </summary>
[MessagePackObject]
public sealed record NodeReady(
    [property: Key(0)] string Node,
    [property: Key(1)] string ChannelHost = "",
    [property: Key(2)] int ChannelPort = 0,
    [property: Key(3)] long ChannelToken = 0,
    [property: Key(4)] string ChannelCertificate = "") : IClusterTrainingMessage;

/// <summary>
/// A member has wired its workers and reducers (each worker knows its next rank, local or remote;
/// each reducer its subscribers): once every member is wired, training can start.
/// </summary>
[MessagePackObject]
public sealed record NodeWired([property: Key(0)] string Node) : IClusterTrainingMessage;

/// <summary>
/// Where every planned node's tensor channels listen, indexed like <see cref="NodePlanned.Nodes"/>;
/// sent once all nodes are ready, before training starts, so links know their peers. With TLS,
/// <paramref name="Certificates"/> are the nodes' certificate fingerprints: a link accepts only that
/// certificate from its peer, and a listener only this run's nodes (the token is bound to them).
/// </summary>
[MessagePackObject]
public sealed record ChannelsPlanned(
    [property: Key(0)] string[] Hosts,
    [property: Key(1)] int[] Ports,
    [property: Key(2)] long[] Tokens,
    [property: Key(3)] string[] Certificates) : IClusterTrainingMessage;

/// <summary>
/// A member was lost and the run re-forms as round <paramref name="Round"/>: a surviving member
/// stops its part (workers, reducers, links) and asks for the options again, staying in the cluster.
/// </summary>
[MessagePackObject]
public sealed record RunRestarting(
    [property: Key(0)] int Round,
    [property: Key(1)] string Reason) : IClusterTrainingMessage;

/// <summary>
/// The run is over (or failed, with the reason): members leave the cluster and exit. From a member
/// to the seed: its part failed; <paramref name="Recoverable"/> when it stays to be re-admitted (the
/// seed may re-form the run), not when it was stopped or cannot take part.
/// </summary>
[MessagePackObject]
public sealed record TrainingEnded(
    [property: Key(0)] bool Succeeded,
    [property: Key(1)] string Message,
    [property: Key(2)] bool Recoverable = false,
    [property: Key(3)] int? NonFiniteStep = null) : IClusterTrainingMessage;

/// <summary>
/// Training has started: members report their workers' progress to the coordinator at
/// <paramref name="CoordinatorPath"/> (a full actor path, not a reference: messages carry no refs).
/// </summary>
[MessagePackObject]
public sealed record TrainingStarted([property: Key(0)] string CoordinatorPath) : IClusterTrainingMessage;

/// <summary>The coordinator asks a member, at the end of a run, what its part sent and held.</summary>
[MessagePackObject]
public sealed record NodeStatisticsRequested([property: Key(0)] int Steps) : IClusterTrainingMessage;

/// <summary>
/// A member's traffic and memory over the run: tensor bytes it sent to each other member
/// (<paramref name="Peers"/>[i] got <paramref name="BytesSent"/>[i]), the peak of its workers'
/// live activation bytes, and its device pool's high-water (0 when the member reported no pool).
/// </summary>
[MessagePackObject]
public sealed record NodeStatistics(
    [property: Key(0)] string Node,
    [property: Key(1)] string[] Peers,
    [property: Key(2)] long[] BytesSent,
    [property: Key(3)] long PeakActivationBytes,
    [property: Key(4)] long ReservedPeakBytes = 0) : IClusterTrainingMessage;
