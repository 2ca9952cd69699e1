using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Plan;

/// <summary>Which tensors a link carries: workers' gradients to a reducer, a reducer's publications to a machine's workers, or its recovery cuts to the seed.</summary>
public enum LinkKind
{
    Gradients,
    Parameters,
    Cuts,
}

/// <summary>A link of a finished simulation; <see cref="Kind"/> is null when both kinds share it.</summary>
/// <param name="StartupBytes">Of <paramref name="Link"/>'s bytes, those of the reducers' first publication (version 0), which no step repeats.</param>
public sealed record SimulatedLink(int From, int To, LinkKind? Kind, FlowNetwork.NetworkChannel Link, long StartupBytes = 0)
{
    /// <summary>The bytes the steps themselves moved: the link's bytes less the start-up publication's.</summary>
    public long StepBytes => Link.Bytes - StartupBytes;
}

/// <summary>What a simulation observed: when each step was committed, the links' chunks, the machines' compute and activations.</summary>
/// <param name="CommitSeconds">Per step: when the last stage reducer published the version that step's update made.</param>
/// <param name="ActivationPeakBytes">Per machine: the most activation bytes its workers held at once in simulated time (F_j start to B_j end).</param>
/// <param name="ComputeWorkSeconds">Per machine: full-speed seconds of work done (ops, and reducers where they share the slots); with cuts, the seed's machine last.</param>
/// <param name="ReducerOwners">Per reducer, stage by stage and within a stage shard by shard (stage · S + shard, 0-based): the machine holding it.</param>
/// <param name="RankMachines">Per rank: its machine.</param>
/// <param name="ReducerBusySeconds">Per reducer (as <paramref name="ReducerOwners"/>): the time it spent folding and updating.</param>
/// <param name="NicBusySeconds">Per machine: the bytes its busier interface direction carried over the interface's rate (empty without a NIC cap).</param>
/// <param name="OpBufferPools">Per machine: its pool of the ops' buffers (activations and temporaries) in simulated time; null when the stages' buffers are not known.</param>
public sealed record SimulationRun(IReadOnlyList<double> CommitSeconds, IReadOnlyList<long> ActivationPeakBytes, IReadOnlyList<double> ComputeWorkSeconds,
    IReadOnlyList<SimulatedLink> Links, IReadOnlyList<int> ReducerOwners, IReadOnlyList<int> RankMachines, CdpSchedule Schedule,
    IReadOnlyList<double> ReducerBusySeconds, IReadOnlyList<double> NicBusySeconds, IReadOnlyList<PerSizePool>? OpBufferPools = null);

/// <summary>
/// A discrete-event model of the actor runtime running one <see cref="PlanScenario"/>. Workers run
/// the schedule's op stream in order (<see cref="CdpSchedule.OpOf"/>); an op starts when its worker
/// is free, the token allows it (CDP: a micro-batch starts on the token, passed δ ops into the
/// previous rank's micro-batch), the version the rule requires of its stage
/// (<see cref="CdpSchedule.RequiredVersion"/>) has reached the worker's machine, and the machine's
/// pacing (<see cref="PacingState"/>, the runtime's own) lets it. Ops share their machine's compute
/// slots. After B_j the gradient goes to stage j's reducer (placed as <see cref="ClusterPlacement"/>
/// places it), over a link when on another machine; the reducer folds contributions one at a time
/// in (step, rank) order, applies the update once all N are in, and publishes the new version to
/// every machine with workers (once per machine, over a link except its own). With reducer shards
/// (<see cref="PlanScenario.ReducerShards"/>) each shard does that for its slice, and a machine has
/// a version once every shard's slice of it has arrived. With cuts
/// (<see cref="PlanScenario.CutEvery"/>, on more than one machine) a reducer publishing a version
/// that is a multiple of it also sends its cut (<see cref="StageCutWire.Parts"/> stage-sized parts)
/// to the seed, a machine of its own without workers (index <see cref="MachineLayout.Machines"/>),
/// as the cluster's reducers do to recover from a lost member.
/// </summary>
public sealed partial class RuntimeSimulation
{
    private readonly PlanScenario _scenario;
    private readonly CdpSchedule _schedule;
    private readonly EventClock _clock = new();
    private readonly int[] _rankMachine;
    private readonly int[] _reducerOwner;
    private readonly int _shards;
    private readonly int[][] _ranksOfMachine;
    private readonly int? _seedMachine;
    private readonly ComputeMachine[] _machines;
    private readonly PacingState[] _pacers;
    private readonly Dictionary<(int From, int To, LinkKind? Kind), FlowNetwork.NetworkChannel> _links = [];
    private readonly Dictionary<(int From, int To, LinkKind? Kind), long> _startupBytes = [];
    private readonly FlowNetwork _network;
    private readonly long[] _liveActivations;
    private readonly long[] _activationPeak;
    private readonly PerSizePool[]? _opBufferPools;
    private readonly Random? _noise;
    private readonly long _lookaheadScratchBytes;
    private readonly OpBuffers _lookaheadScratch;
    private readonly IReadOnlyList<TimedChange>?[] _forwardChanges;
    private readonly IReadOnlyList<TimedChange>?[] _backwardChanges;
    private readonly int _opsPerWorker;

    private RuntimeSimulation(PlanScenario scenario)
    {
        _scenario = scenario;
        int workers = scenario.Workers;
        int stages = scenario.Stages.Count;
        _schedule = CdpSchedule.Create(workers, stages, scenario.Rule, scenario.Freshness);
        _rankMachine = scenario.Layout.MachineOfRank(workers);
        int machines = scenario.Layout.Machines;
        _ranksOfMachine = [.. Enumerable.Range(0, machines).Select(machine => Enumerable.Range(0, workers).Where(rank => _rankMachine[rank] == machine).ToArray())];
        var members = Enumerable.Range(0, machines).Select(machine => new AdmittedNode($"machine-{machine}", _ranksOfMachine[machine], [])).ToArray();
        _shards = scenario.ReducerShards;
        var placed = ClusterPlacement.Plan(members, workers, stages, reducerShards: _shards);
        _reducerOwner = [.. Enumerable.Range(0, stages * _shards).Select(unit => placed.OwnerOf(unit / _shards, unit % _shards))];
        _seedMachine = scenario.TakesCuts ? machines : null;
        int hosts = machines + (_seedMachine is null ? 0 : 1);
        var sharedHost = scenario.Layout.SharedCores > 0 ? new ComputeMachine(_clock, scenario.Layout.SharedCores, scenario.Layout.SliceSeconds) : null;
        _machines = [.. Enumerable.Range(0, hosts).Select(_ => sharedHost is null ? new ComputeMachine(_clock, scenario.Layout.ComputeSlots, scenario.Layout.SliceSeconds) : new ComputeMachine(sharedHost))];
        var activationBytes = scenario.Stages.Select(stage => stage.ActivationBytes).ToArray();
        _pacers = [.. _ranksOfMachine.Select(ranks => new PacingState(_schedule, ranks, scenario.Steps, scenario.Pacing, activationBytes,
            scenario.Pacing == PacingMode.Budget ? _schedule.PredictedPeakActivationBytes(activationBytes, scenario.Steps, ranks) : long.MaxValue))];
        _network = new FlowNetwork(_clock, scenario.Transport, hosts);
        _liveActivations = new long[machines];
        _activationPeak = new long[machines];
        _opBufferPools = scenario.Stages.All(stage => stage.ForwardBuffers is not null && stage.BackwardBuffers is not null)
            ? [.. Enumerable.Range(0, machines).Select(_ => new PerSizePool())]
            : null;
        _noise = scenario.NoiseSeed != 0 && scenario.OpTimesVary ? new Random(scenario.NoiseSeed) : null;
        // A look-ahead's scratch momentum: one buffer of the largest stage's parameters, rented and given back.
        _lookaheadScratchBytes = scenario.Stages.Max(stage => stage.ParameterBytes);
        _lookaheadScratch = new OpBuffers(new Dictionary<long, int> { [_lookaheadScratchBytes] = 1 }, new Dictionary<long, int>());
        _forwardChanges = [.. scenario.Stages.Select(stage => TimedChange.Of(stage.ForwardBuffers))];
        _backwardChanges = [.. scenario.Stages.Select(stage => TimedChange.Of(stage.BackwardBuffers))];
        _opsPerWorker = scenario.Steps * _schedule.CycleLength;
        _workers = [.. Enumerable.Range(0, workers).Select(rank => new WorkerProgress { TokenStep = rank == 0 ? 0 : -1 })];
        _reducers = [.. Enumerable.Range(0, stages * _shards).Select(unit => new ReducerProgress(
            scenario.Layout.ReducersShareSlots ? _machines[_reducerOwner[unit]] : new ComputeMachine(_clock, 0), new double[scenario.Steps]))];
    }

    /// <summary>Runs <paramref name="scenario"/> to its end.</summary>
    /// <exception cref="ArgumentException">A scenario the runtime would refuse (N not dividing 2L under CDP, more machines than workers, bad costs).</exception>
    public static SimulationRun Run(PlanScenario scenario)
    {
        Validate(scenario);
        var simulation = new RuntimeSimulation(scenario);
        return simulation.RunToEnd();
    }

    private static void Validate(PlanScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentOutOfRangeException.ThrowIfLessThan(scenario.Workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scenario.MicroBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scenario.Steps, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(scenario.Layout.Machines, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(scenario.CutEvery);
        if (scenario.ReducerShards < 1 || scenario.ReducerShards > Reduce.ReducerShards.MaxShards)
        {
            throw new ArgumentException($"Reducer shards must be 1 to {Reduce.ReducerShards.MaxShards}, got {scenario.ReducerShards}.", nameof(scenario));
        }

        if (scenario.Stages.Count == 0)
        {
            throw new ArgumentException("A scenario needs at least one stage.", nameof(scenario));
        }

        if (scenario.Layout.Machines > scenario.Workers)
        {
            throw new ArgumentException($"{scenario.Layout.Machines} machines for {scenario.Workers} workers: every machine needs a worker.", nameof(scenario));
        }

        if (scenario.Layout.SharedCores is var cores && (cores < 0 || !double.IsFinite(cores)))
        {
            throw new ArgumentException($"The host's shared cores must be finite and non-negative, got {cores}.", nameof(scenario));
        }

        if (scenario.Transport.EndpointCpuSecondsPerByte is var perByte && (perByte < 0 || !double.IsFinite(perByte)))
        {
            throw new ArgumentException($"The transport's CPU per byte must be finite and non-negative, got {perByte}.", nameof(scenario));
        }

        foreach (var stage in scenario.Stages)
        {
            double[] seconds = [stage.ForwardSeconds, stage.BackwardSeconds, stage.FoldSeconds, stage.UpdateSeconds];
            if (seconds.Any(value => value < 0 || !double.IsFinite(value)) || stage.ParameterCount < 0 || stage.ActivationBytes < 0)
            {
                throw new ArgumentException($"Stage costs must be finite and non-negative, {stage}.", nameof(scenario));
            }
        }
    }

    private SimulationRun RunToEnd()
    {
        // The reducers start by publishing version 0, as the runtime's do: it reaches the other machines
        // over their links, so a worker's first forward of a far stage waits for it.
        for (int unit = 0; unit < _reducers.Length; unit++)
        {
            Publish(unit, 0);
        }

        for (int rank = 0; rank < _workers.Length; rank++)
        {
            int worker = rank;
            _clock.At(0, () => TryStart(worker));
        }

        _clock.RunAll();
        var stuck = Enumerable.Range(0, _workers.Length).FirstOrDefault(rank => _workers[rank].Next < _opsPerWorker, -1);
        if (stuck >= 0)
        {
            throw new InvalidOperationException($"The simulation stalled: worker {stuck} stopped at op {_workers[stuck].Next} of {_opsPerWorker} ({_schedule}).");
        }

        var commits = Enumerable.Range(0, _scenario.Steps).Select(step => _reducers.Max(reducer => reducer.PublishedAt[step])).ToArray();
        var links = _links.Select(pair => new SimulatedLink(pair.Key.From, pair.Key.To, pair.Key.Kind, pair.Value, _startupBytes.GetValueOrDefault(pair.Key))).OrderBy(link => link.From).ThenBy(link => link.To).ThenBy(link => link.Kind).ToArray();
        var nicBusy = _network.InterfaceBusySeconds;
        return new SimulationRun(commits, _activationPeak, [.. _machines.Select(machine => machine.WorkDone)], links, _reducerOwner, _rankMachine, _schedule,
            [.. _reducers.Select(reducer => reducer.BusySeconds)], nicBusy, _opBufferPools);
    }

    /// <summary>The link tensors of <paramref name="kind"/> take from one machine to another.</summary>
    private FlowNetwork.NetworkChannel Link(int from, int to, LinkKind kind)
    {
        var key = LinkKey(from, to, kind);
        if (!_links.TryGetValue(key, out var link))
        {
            link = _network.Open(from, to);
            _links[key] = link;
        }

        return link;
    }

    private (int From, int To, LinkKind? Kind) LinkKey(int from, int to, LinkKind kind) =>
        // Cuts go over a channel of their own to the seed, which has no other traffic.
        (from, to, _scenario.Transport.ChannelPerKind || kind == LinkKind.Cuts ? kind : null);

    /// <summary>
    /// Delivers <paramref name="bytes"/> from one machine to another now (at once on the same machine)
    /// and runs <paramref name="arrived"/> when they are there; across machines, each end's machine
    /// spends the transport's CPU per byte beside its other work.
    /// </summary>
    private void Deliver(int from, int to, LinkKind kind, long bytes, Action arrived)
    {
        if (from == to)
        {
            _clock.At(_clock.Now, arrived);
            return;
        }

        double endpointSeconds = bytes * _scenario.Transport.EndpointCpuSecondsPerByte;
        if (endpointSeconds > 0)
        {
            _machines[from].Run(endpointSeconds, () => { });
        }

        Link(from, to, kind).Send(bytes, () =>
        {
            if (endpointSeconds > 0)
            {
                _machines[to].Run(endpointSeconds, () => { });
            }

            arrived();
        });
    }
}
