using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Plan;

/// <summary>One machine of a plan: what runs there and the memory it needs.</summary>
/// <param name="Memory">The runtime's own prediction (<see cref="MemoryNeed.Predict"/>, what its ledger matches) for the machine's workers and the reducers it holds.</param>
/// <param name="SimulatedActivationPeakBytes">The most activation bytes its workers held at once in the simulated timeline (pacing shows here).</param>
/// <param name="ComputeBusyFraction">Full-speed work done over (slots × measured time); above 1 cannot happen, near 1 is compute-bound.</param>
/// <param name="OpBuffersCachedBytes">
/// What the machine's pool ends up holding for the ops' buffers (activations and temporaries, and the
/// look-ahead scratch momenta) in the simulated timeline: per size, the most buffers of it out at once
/// (<see cref="PerSizePool"/>); null when the stages' buffers are not known.
/// </param>
/// <param name="OpBuffersOutPeakBytes">The most bytes of those buffers out at one moment in the simulated timeline; null likewise.</param>
/// <param name="OpBuffersCachedBoundBytes">What the pool caches for those buffers at most, whatever the timing (<see cref="PerSizePool.MostCachedByAnyTiming"/>, and every look-ahead scratch at once); null likewise.</param>
/// <param name="OpBuffersSteadyCachedBytes">
/// With an op-time spread, <paramref name="OpBuffersCachedBytes"/> is the mean over simulations whose
/// op times vary; this is what the pool caches when every op costs the same every time. Null without a spread.
/// </param>
public sealed record MachinePlan(int Machine, IReadOnlyList<int> Ranks, IReadOnlyList<int> ReducerStages, MemoryNeed Memory, long SimulatedActivationPeakBytes, double ComputeBusyFraction,
    long? OpBuffersCachedBytes = null, long? OpBuffersOutPeakBytes = null, long? OpBuffersCachedBoundBytes = null, long? OpBuffersSteadyCachedBytes = null)
{
    /// <summary><see cref="MemoryBytes"/> with every op at its cost every time; null without an op-time spread.</summary>
    public long? MemorySteadyBytes => OpBuffersSteadyCachedBytes is { } steady ? LastingBytes + steady : null;

    /// <summary>
    /// The most the machine's pool can hold whatever the timing: <see cref="MemoryBytes"/> with the ops'
    /// buffers at <see cref="OpBuffersCachedBoundBytes"/>; without them, <see cref="Memory"/>'s total.
    /// </summary>
    public long MemoryBoundBytes => OpBuffersCachedBoundBytes is { } bound ? LastingBytes + bound : Memory.Total;

    /// <summary>
    /// The memory the machine's pool holds at its peak: the ops' buffers as it caches them, beside
    /// <see cref="Memory"/>'s parts that live the whole run (parameters, gradients, optimizer state,
    /// data); without the ops' buffers, <see cref="Memory"/>'s total.
    /// </summary>
    public long MemoryBytes => OpBuffersCachedBytes is { } cached ? LastingBytes + cached : Memory.Total;

    /// <summary><see cref="Memory"/>'s parts that live the whole run: all but the ops' activations and temporaries and the look-ahead scratch, which the pool's timeline holds.</summary>
    private long LastingBytes => Memory.Total - Memory.Activations - Memory.Workspace - Memory.LookaheadScratch;
}

/// <summary>One link of a plan over the measured steps.</summary>
/// <param name="Kind">"gradients", "parameters", "both" when those kinds share the link, or "cuts" (a reducer's recovery cuts to the seed).</param>
public sealed record LinkPlan(int From, int To, string Kind, double BytesPerStep, double Burstiness, double BusyFraction);

/// <summary>What the model predicts for one rule.</summary>
/// <param name="StepSeconds">
/// Mean time between consecutive commits after the warm-up steps and before as many last ones (the
/// pipeline's drain), as a run's step time is measured, so that a periodic cost (a cut every K steps)
/// counts as often as it comes; with cuts, over a whole number of cut intervals.
/// </param>
/// <param name="NetworkBurstiness">Peak over mean bytes per window over all links together.</param>
/// <param name="BusiestLink">The link carrying the most bytes per step; null on one machine.</param>
/// <param name="ReducerBusy">The busiest reducer's (or reducer shard's) folding and updating time over the run: near 1, it is the bottleneck.</param>
/// <param name="NicBusy">The busiest machine interface direction's carrying time over the run (0 without a NIC cap).</param>
public sealed record RulePlan(UpdateRule Rule, double StepSeconds, double SamplesPerSecond, double FirstStepSeconds, double BurstWindowSeconds,
    IReadOnlyList<MachinePlan> Machines, IReadOnlyList<LinkPlan> Links, LinkPlan? BusiestLink, double NetworkBurstiness, double ReducerBusy = 0, double NicBusy = 0)
{
    /// <summary>The most memory a machine's pool holds (<see cref="MachinePlan.MemoryBytes"/>) over the machines.</summary>
    public long PeakMemoryBytes => Machines.Max(machine => machine.MemoryBytes);

    /// <summary>Bytes crossing machines per step, all links together.</summary>
    public double BytesPerStep => Links.Sum(link => link.BytesPerStep);
}

/// <summary>Runs the <see cref="RuntimeSimulation"/> of a scenario and turns what it saw into a <see cref="RulePlan"/>.</summary>
public static class RuntimePlanner
{
    /// <summary>Simulations with varying op times whose mean pool is the plan's memory when the scenario has an op-time spread.</summary>
    public const int NoisyRuns = 9;

    public static RulePlan Plan(PlanScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var run = RuntimeSimulation.Run(scenario with { NoiseSeed = 0 });
        // A pool keeps the worst meeting of the workers' ops, which steady op times understate: with a
        // spread, the memory is the mean over runs whose ops vary as the trace's did (step time and
        // traffic stay the steady run's, the mean behaviour). The mean, not the median: in the model a
        // meeting adds whole buffers (cnn's B_2 temporaries are 9 % of its pool), so a few runs' median
        // lands on one side of that step, where real ops hold their buffers for parts of their time and
        // real pools spread between the two.
        long[]? noisyCached = scenario.OpTimesVary && run.OpBufferPools is not null
            ? MeanCached(Enumerable.Range(1, NoisyRuns).Select(seed => RuntimeSimulation.Run(scenario with { NoiseSeed = seed }).OpBufferPools!).ToArray(), scenario.Layout.Machines)
            : null;
        int warmup = scenario.WarmupSteps;
        var commits = run.CommitSeconds;
        // The last steps drain the pipeline with less sharing: left out as the warm-up is.
        int first = warmup - 1;
        int last = Math.Max(first + 1, commits.Count - 1 - warmup);
        if (scenario.TakesCuts && (last - first) / scenario.CutEvery is var periods and > 0)
        {
            first = last - (periods * scenario.CutEvery);
        }

        double stepSeconds = (commits[last] - commits[first]) / (last - first);
        double from = commits[warmup - 1];
        double to = commits[^1];
        double window = scenario.BurstWindowSeconds > 0 ? scenario.BurstWindowSeconds : Math.Max(stepSeconds, 1e-12) / 20;
        bool measurable = to > from;
        var links = run.Links.Select(link => new LinkPlan(link.From, link.To, link.Kind switch
        {
            null => "both",
            LinkKind.Gradients => "gradients",
            LinkKind.Cuts => "cuts",
            _ => "parameters",
        }, (double)link.StepBytes / scenario.Steps,
            measurable ? LinkTraffic.Burstiness(link.Link.Transmissions, from, to, window) : 0,
            measurable ? LinkTraffic.BusyFraction(link.Link.Transmissions, from, to) : 0)).ToArray();
        var busiest = links.OrderByDescending(link => link.BytesPerStep).ThenByDescending(link => link.Burstiness).FirstOrDefault();
        double network = measurable && links.Length > 0 ? LinkTraffic.Burstiness(run.Links.SelectMany(link => link.Link.Transmissions), from, to, window) : 0;
        double slots = scenario.Layout.BusySlots;
        int shards = scenario.ReducerShards;
        long? oneWorkerBound = run.OpBufferPools is null ? null : PerSizePool.MostCachedByAnyTiming(MicroBatchOps(scenario), workers: 1);
        var machines = Enumerable.Range(0, scenario.Layout.Machines).Select(machine =>
        {
            var ranks = Enumerable.Range(0, scenario.Workers).Where(rank => run.RankMachines[rank] == machine).ToArray();
            var units = Enumerable.Range(0, run.ReducerOwners.Count).Where(unit => run.ReducerOwners[unit] == machine).ToArray();
            var reducerStages = units.Select(unit => unit / shards).Distinct().ToArray();
            double capacity = (slots == 0 ? ranks.Length : slots) * commits[^1];
            var pool = run.OpBufferPools?[machine];
            var memory = MemoryOf(scenario, run.Schedule, ranks, units.Sum(unit => scenario.SliceBytes(unit / shards, unit % shards)));
            // At most, every worker that looks ahead holds its scratch at once, beside its worst op.
            return new MachinePlan(machine, ranks, reducerStages, memory, run.ActivationPeakBytes[machine],
                capacity > 0 ? run.ComputeWorkSeconds[machine] / capacity : 0, noisyCached?[machine] ?? pool?.CachedBytes, pool?.OutPeakBytes,
                (oneWorkerBound * ranks.Length) + memory.LookaheadScratch, noisyCached is null ? null : pool?.CachedBytes);
        }).ToArray();
        double runSeconds = Math.Max(commits[^1], 1e-12);
        return new RulePlan(scenario.Rule, stepSeconds, scenario.Workers * (double)scenario.MicroBatch / stepSeconds, commits[0], window, machines, links, busiest, network,
            run.ReducerBusySeconds.Max() / runSeconds, run.NicBusySeconds.Count == 0 ? 0 : Math.Min(1, run.NicBusySeconds.Max() / runSeconds));
    }

    /// <summary>Per machine, the mean over <paramref name="runs"/> of what its pool cached.</summary>
    private static long[] MeanCached(IReadOnlyList<IReadOnlyList<PerSizePool>> runs, int machines) =>
        [.. Enumerable.Range(0, machines).Select(machine => (long)Math.Round(runs.Average(pools => (double)pools[machine].CachedBytes)))];

    /// <summary>One micro-batch's ops' buffers in a worker's order: F_1 … F_L, then B_L … B_1.</summary>
    private static IEnumerable<GpuCompute.Memory.OpBuffers> MicroBatchOps(PlanScenario scenario) =>
        scenario.Stages.Select(stage => stage.ForwardBuffers!).Concat(scenario.Stages.Reverse().Select(stage => stage.BackwardBuffers!));

    /// <summary>
    /// <see cref="MemoryNeed.Predict"/> for the machine's workers, plus the state of the reducers (or
    /// reducer shards) it holds, <paramref name="ownedParameterBytes"/> of parameters in all, counted as
    /// Predict counts reducers on a device (master parameters, incoming gradient, folded sum, momentum):
    /// with every stage's reducer on one machine this is Predict with the reducers on the device.
    /// </summary>
    public static MemoryNeed MemoryOf(PlanScenario scenario, CdpSchedule schedule, IReadOnlyList<int> ranks, long ownedParameterBytes)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentOutOfRangeException.ThrowIfNegative(ownedParameterBytes);
        var footprint = new OpFootprint([.. scenario.Stages.Select(stage => stage.WorkspaceBytes)], scenario.DataBytesPerWorker);
        var need = MemoryNeed.Predict(schedule, ranks, scenario.Steps, [.. scenario.Stages.Select(stage => stage.ParameterCount)],
            [.. scenario.Stages.Select(stage => stage.ActivationBytes)], scenario.EffectiveCompensation, footprint, reducersOnDevice: false);
        return need with
        {
            Parameters = need.Parameters + ownedParameterBytes,
            Gradients = need.Gradients + (2 * ownedParameterBytes),
            OptimizerState = need.OptimizerState + ownedParameterBytes,
        };
    }
}
