using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Plan;

/// <summary>
/// What one stage costs, per micro-batch: the compute of its forward and backward on one compute
/// slot, the reducer's work (folding one contribution, applying the update once all N are in),
/// and the bytes that move or stay: its gradient (and publication) size and the activations a
/// micro-batch keeps from F_j to B_j.
/// </summary>
/// <param name="ForwardSeconds">F_j of one micro-batch, alone on one slot.</param>
/// <param name="BackwardSeconds">B_j of one micro-batch, alone on one slot.</param>
/// <param name="FoldSeconds">The reducer folding one worker's contribution into the running sum.</param>
/// <param name="UpdateSeconds">The reducer applying the optimizer once the step's N contributions are folded.</param>
/// <param name="ParameterCount">Floats of the stage: a gradient and a publication each carry 4 bytes per float.</param>
/// <param name="ActivationBytes">a_j: activation bytes one micro-batch keeps for this stage.</param>
/// <param name="WorkspaceBytes">Temporaries one op of this stage holds while it runs (the memory prediction's workspace).</param>
/// <param name="LoadSeconds">The worker's work before F_j besides the pass: loading the version it reads into its replica.</param>
/// <param name="LookaheadSeconds">Before a stale F_j under look-ahead: computing the look-ahead point over the stage.</param>
/// <param name="HandoffSeconds">The worker's work after B_j besides the pass: copying the stage's gradient out into its message.</param>
/// <param name="BesideSeconds">
/// CPU each op of the stage costs its machine off the worker's path: work the op sets off elsewhere in
/// the process (actor dispatch, messages, the collector), which takes the machine's slots but holds no
/// op back. From a trace, its CPU that no span covers, per op (<see cref="MeasuredStageTimes.UntracedSecondsPerOp"/>).
/// </param>
/// <param name="ForwardBuffers">The buffers F_j rents by size, measured (<see cref="GpuCompute.Training.OpFootprint.StageForwardBuffers"/>): what the machine's pool caches follows from them; null: not known, the memory is <see cref="Planning.MemoryNeed"/>'s.</param>
/// <param name="BackwardBuffers">The same for B_j.</param>
public sealed record StageCost(double ForwardSeconds, double BackwardSeconds, double FoldSeconds, double UpdateSeconds,
    long ParameterCount, long ActivationBytes, long WorkspaceBytes = 0, double LoadSeconds = 0, double LookaheadSeconds = 0, double HandoffSeconds = 0,
    double BesideSeconds = 0, OpBuffers? ForwardBuffers = null, OpBuffers? BackwardBuffers = null, double ForwardSpread = 0, double BackwardSpread = 0)
{
    /// <summary>The coefficient of variation of the op of <paramref name="kind"/>'s time (0: it costs the same every time).</summary>
    public double SpreadOf(OpKind kind) => kind == OpKind.Forward ? ForwardSpread : BackwardSpread;

    /// <summary>
    /// The stages' op spreads as one figure: each op's coefficient of variation weighted by its time
    /// (Σ seconds·spread / Σ seconds, the spread of a step's work), so that a 10 us op that once waited
    /// 1 ms moves nothing. 0 when no op takes time.
    /// </summary>
    public static double OpTimeSpread(IReadOnlyList<StageCost> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        double work = stages.Sum(stage => stage.ForwardSeconds + stage.BackwardSeconds);
        return work > 0 ? stages.Sum(stage => (stage.ForwardSeconds * stage.ForwardSpread) + (stage.BackwardSeconds * stage.BackwardSpread)) / work : 0;
    }

    /// <summary>The buffers the op of <paramref name="kind"/> rents, or null when not known.</summary>
    public OpBuffers? BuffersOf(OpKind kind) => kind == OpKind.Forward ? ForwardBuffers : BackwardBuffers;

    /// <summary>Bytes of one gradient contribution, or of one parameter version, of this stage.</summary>
    public long ParameterBytes => ParameterCount * sizeof(float);
}

/// <summary>Where the run is placed: how many machines, how the workers spread over them, how many ops a machine computes at once.</summary>
/// <param name="Machines">Machines (cluster members); the workers are spread over them in contiguous blocks of ranks, as members admitted in order get them.</param>
/// <param name="ComputeSlots">Ops a machine runs at full speed at once (CPU cores, or one per GPU; fractional for a share of the cores); more share the slots and each slows in proportion. 0: unlimited.</param>
/// <param name="ReducersShareSlots">Whether the reducers' folds and updates take a compute slot of their machine (true on the CPU backend, where reducers run in the same process's cores).</param>
/// <param name="SharedCores">
/// When the machines are processes on one host (emulated hosts, several members on one box): the
/// host's cores, which the ops, reducer work and transport CPU of every machine, the seed's included,
/// share as one pool instead of each machine having <paramref name="ComputeSlots"/> of its own. 0: separate machines.
/// </param>
/// <param name="SliceSeconds">The OS scheduler's time slice the compute slots are shared by (see <see cref="ComputeMachine"/>); 0: processor sharing.</param>
public sealed record MachineLayout(int Machines, double ComputeSlots, bool ReducersShareSlots = true, double SharedCores = 0, double SliceSeconds = 0)
{
    /// <summary>The slots a machine's busy fraction is measured against: the host's when the machines share one.</summary>
    public double BusySlots => SharedCores > 0 ? SharedCores : ComputeSlots;

    /// <summary>The machine of each rank: ranks 0..N−1 in contiguous blocks, the first N mod K machines one rank more.</summary>
    public int[] MachineOfRank(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, Machines);
        var owners = new int[workers];
        int rank = 0;
        for (int machine = 0; machine < Machines; machine++)
        {
            int count = (workers / Machines) + (machine < workers % Machines ? 1 : 0);
            for (int i = 0; i < count; i++)
            {
                owners[rank++] = machine;
            }
        }

        return owners;
    }
}

/// <summary>
/// The tensor transport between machines, per link: tensors are cut into chunks, at most
/// <paramref name="WindowChunks"/> unacknowledged at once, each chunk occupying the link for its
/// size over the bandwidth and arriving a latency later; an acknowledgement takes a latency back.
/// </summary>
/// <param name="BandwidthBytesPerSecond">Per link (ordered machine pair); 0: unlimited (a chunk takes no time on the wire).</param>
/// <param name="LatencySeconds">One way, per chunk and per acknowledgement; also what a token crossing machines takes.</param>
/// <param name="ChannelPerKind">
/// The runtime opens one channel per ordered member pair and kind (gradients, parameters), and its
/// bandwidth-limit paces each channel separately: true models that (each kind gets the full
/// bandwidth and its own window); false makes both kinds share one link (one physical NIC path).
/// </param>
/// <param name="NicBytesPerSecond">
/// Per machine and direction: what all its outgoing (or incoming) links carry together at most; 0:
/// no such cap (each link only its own bandwidth). A reducer's machine receiving from every other
/// machine at once (incast) is limited here.
/// </param>
/// <param name="EndpointCpuSecondsPerByte">
/// CPU each end of a transfer between machines spends per byte (serialising, copying, the socket calls
/// and whatever of the kernel's network work the process is billed for): the sender's machine when it
/// sends, the receiver's when it arrives, sharing their compute slots and holding nothing back. From a
/// cluster trace (<see cref="MeasuredStageTimes.UntracedSecondsPerByte"/>); 0: not modelled.
/// </param>
/// <param name="Framing">
/// Bytes on the wire per tensor byte (at least 1): the packets' headers around the payload, which the
/// bandwidth and NIC rates count and the tensors' bytes do not. 1: the payload moves at the full rate;
/// TCP over Ethernet with 1500-byte frames and timestamps carries 1,448 payload bytes in a 1,514-byte
/// frame, 1.046.
/// </param>
public sealed record TransportModel(long ChunkBytes, int WindowChunks, double BandwidthBytesPerSecond, double LatencySeconds, bool ChannelPerKind = false,
    double NicBytesPerSecond = 0, double EndpointCpuSecondsPerByte = 0, double Framing = 1)
{
    /// <summary>Payload bytes 1,448 in a 1,514-byte Ethernet frame (TCP with timestamps, 1500-byte MTU, as the kernel's qdiscs count it).</summary>
    public const double EthernetTcpFraming = 1514.0 / 1448.0;

    /// <summary>The tensor bytes a link carries per second (its bandwidth less the framing); 0: unlimited.</summary>
    public double PayloadBandwidth => BandwidthBytesPerSecond / Framing;

    /// <summary>The tensor bytes a machine's interface carries per second each way (its NIC rate less the framing); 0: no cap.</summary>
    public double PayloadNic => NicBytesPerSecond / Framing;

    /// <summary>The runtime's defaults (cyclic-actors.transport: 1 MiB chunks, 8 in flight) on an unlimited, zero-latency link.</summary>
    public static TransportModel Unlimited { get; } = new(1 << 20, 8, 0, 0);
}

/// <summary>One run to simulate: the rule, its costs and placement, and how long to run it.</summary>
/// <param name="Workers">N.</param>
/// <param name="MicroBatch">Samples per micro-batch, for samples/s.</param>
/// <param name="Steps">Steps simulated; the first quarter (at least one) are warm-up and not measured.</param>
/// <param name="BurstWindowSeconds">Burstiness is measured over windows of this length; 0: one twentieth of the step time.</param>
/// <param name="CutEvery">
/// Steps between the recovery cuts the reducers of a cluster send the seed (cyclic-actors.cluster.cut-every;
/// 0: none, as under --on-member-loss fail). Only with more than one machine: one machine is a run in one process, which takes none.
/// </param>
/// <param name="ReducerShards">
/// Shards per stage reducer (--reducer-shards): shard k of stage s owns a contiguous range of its
/// parameters (<see cref="Reduce.ReducerShards.Range"/>) and runs on machine (s + k) mod K as the
/// cluster places it; it folds and updates its range only, receives its slice of every gradient and
/// publishes its slice of every version, which a machine's workers read once every slice is in.
/// </param>
/// <param name="NoiseSeed">
/// 0: every op costs its cost every time. Otherwise the seed of a simulation whose ops each take their
/// cost times a log-normal factor of mean 1 and their stage's spread (<see cref="StageCost.ForwardSpread"/>,
/// <see cref="StageCost.BackwardSpread"/>); <see cref="RuntimePlanner"/> runs <see cref="RuntimePlanner.NoisyRuns"/>
/// of them when the stages have spreads and takes the mean memory.
/// </param>
public sealed record PlanScenario(
    int Workers,
    int MicroBatch,
    UpdateRule Rule,
    IReadOnlyList<StageCost> Stages,
    MachineLayout Layout,
    TransportModel Transport,
    PacingMode Pacing = PacingMode.Budget,
    DelayCompensation Compensation = DelayCompensation.None,
    V2FreshnessRule Freshness = V2FreshnessRule.Schedule,
    int Steps = 12,
    double BurstWindowSeconds = 0,
    long DataBytesPerWorker = 0,
    int CutEvery = 0,
    int ReducerShards = 1,
    int NoiseSeed = 0)
{
    /// <summary>Whether any op's time varies (a stage with a spread).</summary>
    public bool OpTimesVary => Stages.Any(stage => stage.ForwardSpread > 0 || stage.BackwardSpread > 0);

    /// <summary>Bytes of shard <paramref name="shard"/>'s slice of a stage's gradient or version.</summary>
    public long SliceBytes(int stage, int shard) =>
        Reduce.ReducerShards.Range(checked((int)Stages[stage].ParameterCount), ReducerShards, shard).Length * (long)sizeof(float);

    /// <summary>The share of a stage's fold and update a shard does: its slice of the parameters (1/S of nothing for a parameter-free stage).</summary>
    public double SliceShare(int stage, int shard) =>
        Stages[stage].ParameterCount == 0 ? 1.0 / ReducerShards : (double)SliceBytes(stage, shard) / Stages[stage].ParameterBytes;

    /// <summary>Whether the reducers send the seed cuts: a cluster (more than one machine) with a cut interval.</summary>
    public bool TakesCuts => CutEvery > 0 && Layout.Machines > 1;

    /// <summary>The compensation the rule really uses (none under DP).</summary>
    public DelayCompensation EffectiveCompensation => CompensationForRule.Effective(Rule, Compensation);

    /// <summary>Look-ahead publishes the momentum beside the parameters, so a publication is twice a stage's size.</summary>
    public int PublicationCopies => EffectiveCompensation == DelayCompensation.Lookahead ? 2 : 1;

    /// <summary>Steps before the first measured one.</summary>
    public int WarmupSteps => Math.Max(1, Steps / 4);
}
