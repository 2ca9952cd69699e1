using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Plan;

/// <summary>The simulated workers, token and reducers (the runtime's actors, as event handlers).</summary>
public sealed partial class RuntimeSimulation
{
    private readonly WorkerProgress[] _workers;
    private readonly ReducerProgress[] _reducers;
    private readonly Dictionary<(int Machine, int Stage, int Version), double> _versionArrivals = [];
    private readonly Dictionary<(int Machine, int Stage, int Version), List<int>> _versionWaiters = [];
    private readonly Dictionary<(int Machine, int Stage, int Version), int> _slicesArrived = [];

    private void TryStart(int rank)
    {
        var worker = _workers[rank];
        if (worker.Busy || worker.Next >= _opsPerWorker)
        {
            return;
        }

        int step = worker.Next / _schedule.CycleLength;
        int index = worker.Next % _schedule.CycleLength;
        var op = _schedule.OpOf(rank, step, index);
        // CDP: a micro-batch starts only on its token (DP passes none: δ = 0 gates nothing).
        if (_schedule.Delay > 0 && index == 0 && worker.TokenStep < step)
        {
            return;
        }

        int machine = _rankMachine[rank];
        // A forward loads the version its rule requires; the backward of the same (micro-batch, stage) reuses it.
        // The first micro-batch starts only once every stage's version for it is on the machine (WorkerState).
        if (worker.Next == 0)
        {
            for (int stage = 1; stage <= _schedule.Stages; stage++)
            {
                if (!HasVersion(rank, machine, step, stage))
                {
                    return;
                }
            }
        }
        else if (op.Kind == OpKind.Forward && !HasVersion(rank, machine, step, op.Stage))
        {
            return;
        }

        var pacer = _pacers[machine];
        if (!pacer.CanStart(op))
        {
            worker.BlockedByPacing = true;
            return;
        }

        worker.BlockedByPacing = false;
        pacer.Started(op);
        worker.Busy = true;
        var cost = _scenario.Stages[op.Stage - 1];
        if (op.Kind == OpKind.Forward)
        {
            _liveActivations[machine] += cost.ActivationBytes;
            _activationPeak[machine] = Math.Max(_activationPeak[machine], _liveActivations[machine]);
        }

        // The op's buffers are rented when it gets a core, which under time slicing can be after it is due;
        // timed ones (OpBuffers.Events) come and go at their moments in its work.
        bool looksAhead = LooksAhead(op);
        var held = BuffersHeld(op, cost, looksAhead);
        Action? rentBuffers = held.Length > 0
            ? () =>
            {
                foreach (var buffers in held)
                {
                    _opBufferPools![machine].Started(buffers);
                }
            }
            : null;
        double factor = NoiseFactor(cost.SpreadOf(op.Kind));
        _machines[machine].Run(WorkOf(op, cost, looksAhead) * factor, rentBuffers, () => Finish(rank, op, held), TimedBuffers(machine, op, cost, looksAhead, factor));
        if (cost.BesideSeconds > 0)
        {
            // Work the op sets off beside it: it shares the slots and waits for nothing.
            _machines[machine].Run(cost.BesideSeconds, () => { });
        }

        RetryPacedWorkers(machine);
    }

    /// <summary>Whether the version of <paramref name="stage"/> that <paramref name="rank"/>'s <paramref name="step"/> reads is on its machine; if not, the worker waits for it.</summary>
    private bool HasVersion(int rank, int machine, int step, int stage)
    {
        var version = (machine, stage, _schedule.RequiredVersion(step, rank, stage));
        if (_versionArrivals.ContainsKey(version))
        {
            return true;
        }

        if (!_versionWaiters.TryGetValue(version, out var waiters))
        {
            _versionWaiters[version] = waiters = [];
        }

        if (!waiters.Contains(rank))
        {
            waiters.Add(rank);
        }

        return false;
    }

    /// <param name="held">The buffers the op rented at its start (<see cref="BuffersHeld"/>), given back now.</param>
    private void Finish(int rank, ScheduledOp op, OpBuffers[] held)
    {
        var worker = _workers[rank];
        int machine = _rankMachine[rank];
        _pacers[machine].Completed(op);
        worker.Busy = false;
        int index = worker.Next % _schedule.CycleLength;
        worker.Next++;
        var cost = _scenario.Stages[op.Stage - 1];
        foreach (var buffers in held)
        {
            _opBufferPools![machine].Finished(buffers);
        }

        if (op.Kind == OpKind.Backward)
        {
            _liveActivations[machine] -= cost.ActivationBytes;
            for (int shard = 0; shard < _shards; shard++)
            {
                int unit = ((op.Stage - 1) * _shards) + shard;
                Deliver(machine, _reducerOwner[unit], LinkKind.Gradients, _scenario.SliceBytes(op.Stage - 1, shard), () => Contributed(unit, op.Step, rank));
            }
        }

        // The token leaves δ ops into this micro-batch, for the next rank (the next step after rank N − 1).
        if (_schedule.Delay > 0 && index == _schedule.Delay - 1)
        {
            int next = (rank + 1) % _workers.Length;
            int tokenStep = next == 0 ? op.Step + 1 : op.Step;
            double crossing = _rankMachine[next] == machine ? 0 : _scenario.Transport.LatencySeconds;
            _clock.At(_clock.Now + crossing, () =>
            {
                _workers[next].TokenStep = Math.Max(_workers[next].TokenStep, tokenStep);
                TryStart(next);
            });
        }

        TryStart(rank);
        RetryPacedWorkers(machine);
    }

    /// <summary>
    /// 1, or with a noise seed a log-normal factor of mean 1 whose coefficient of variation is the op's
    /// <paramref name="spread"/>: real ops vary, drift apart and meet, and a pool keeps the worst meeting.
    /// </summary>
    private double NoiseFactor(double spread)
    {
        if (_noise is null || spread <= 0)
        {
            return 1;
        }

        double sigma = Math.Sqrt(Math.Log(1 + (spread * spread)));
        double normal = Math.Sqrt(-2 * Math.Log(1 - _noise.NextDouble())) * Math.Cos(2 * Math.PI * _noise.NextDouble());
        return Math.Exp((sigma * normal) - (sigma * sigma / 2));
    }

    /// <summary>
    /// What the worker's thread does for <paramref name="op"/>: a forward loads the version it reads
    /// (and, stale under look-ahead, computes the look-ahead point) before the pass; a backward copies
    /// its gradient out after it.
    /// </summary>
    private static double WorkOf(ScheduledOp op, StageCost cost, bool looksAhead) =>
        op.Kind == OpKind.Backward
            ? cost.BackwardSeconds + cost.HandoffSeconds
            : cost.ForwardSeconds + cost.LoadSeconds + (looksAhead ? cost.LookaheadSeconds : 0);

    /// <summary>
    /// The buffers <paramref name="op"/> holds in its machine's pool from its start to its end, when its
    /// own were not timed: its own, and at the look-ahead point a scratch momentum of the largest stage's
    /// length (<c>LookaheadPoint.ApplyInPlace</c>); none when the pool is not modelled or they were timed (<see cref="TimedBuffers"/>).
    /// </summary>
    private OpBuffers[] BuffersHeld(ScheduledOp op, StageCost cost, bool looksAhead) =>
        _opBufferPools is null || cost.BuffersOf(op.Kind) is not { } buffers || buffers.Events is not null ? []
        : looksAhead ? [buffers, _lookaheadScratch]
        : [buffers];

    /// <summary>
    /// When the op's buffers were timed, its pool's changes at their moments in its work (<paramref name="factor"/>
    /// its noise): a forward's look-ahead scratch from the end of its load to the end of the look-ahead
    /// (<c>LookaheadPoint.ApplyInPlace</c> rents and returns it there), then the pass's rents and returns at
    /// their fractions of the pass (<see cref="TimedChange"/>); null otherwise.
    /// </summary>
    private List<Milestone>? TimedBuffers(int machine, ScheduledOp op, StageCost cost, bool looksAhead, double factor)
    {
        var changes = _opBufferPools is null ? null : (op.Kind == OpKind.Forward ? _forwardChanges : _backwardChanges)[op.Stage - 1];
        if (changes is null)
        {
            return null;
        }

        var pool = _opBufferPools![machine];
        var milestones = new List<Milestone>(changes.Count + 2);
        double before = 0;
        if (op.Kind == OpKind.Forward)
        {
            before = cost.LoadSeconds;
            if (looksAhead)
            {
                milestones.Add(new Milestone(before * factor, () => pool.Changed(_lookaheadScratchBytes, 1)));
                before += cost.LookaheadSeconds;
                milestones.Add(new Milestone(before * factor, () => pool.Changed(_lookaheadScratchBytes, -1)));
            }
        }

        double pass = op.Kind == OpKind.Forward ? cost.ForwardSeconds : cost.BackwardSeconds;
        foreach (var change in changes)
        {
            milestones.Add(new Milestone((before + (change.At * pass)) * factor, () => change.ApplyTo(pool)));
        }

        return milestones;
    }

    /// <summary>Whether <paramref name="op"/> is a forward on a stale version under look-ahead, which runs at the look-ahead point.</summary>
    private bool LooksAhead(ScheduledOp op) =>
        op.Kind == OpKind.Forward && _scenario.EffectiveCompensation == Compensation.DelayCompensation.Lookahead
        && _schedule.RequiredVersion(op.Step, op.Worker, op.Stage) < op.Step;

    /// <summary>Workers of <paramref name="machine"/> the pacing held back may go once another op there started or finished.</summary>
    private void RetryPacedWorkers(int machine)
    {
        if (_scenario.Pacing == PacingMode.None)
        {
            return;
        }

        foreach (var rank in _ranksOfMachine[machine])
        {
            if (_workers[rank].BlockedByPacing)
            {
                TryStart(rank);
            }
        }
    }

    private void Contributed(int unit, int step, int rank)
    {
        var reducer = _reducers[unit];
        reducer.Arrived.Add((step, rank));
        TryFold(unit);
    }

    /// <summary>The reducer (or shard, <paramref name="unit"/> = stage · S + shard) folds the next contribution in (step, rank) order once it is there, and updates after the N-th.</summary>
    private void TryFold(int unit)
    {
        var reducer = _reducers[unit];
        int stage = unit / _shards;
        int shard = unit % _shards;
        if (reducer.Busy || reducer.NextStep >= _scenario.Steps || !reducer.Arrived.Remove((reducer.NextStep, reducer.NextRank)))
        {
            return;
        }

        reducer.Busy = true;
        reducer.BusySince = _clock.Now;
        var cost = _scenario.Stages[stage];
        double share = _scenario.SliceShare(stage, shard);
        reducer.Compute.Run(cost.FoldSeconds * share, () =>
        {
            if (++reducer.NextRank < _workers.Length)
            {
                reducer.Idle(_clock.Now);
                TryFold(unit);
                return;
            }

            reducer.Compute.Run(cost.UpdateSeconds * share, () =>
            {
                int version = _schedule.VersionPublishedAfterFolding(reducer.NextStep);
                reducer.PublishedAt[reducer.NextStep] = _clock.Now;
                reducer.NextStep++;
                reducer.NextRank = 0;
                reducer.Idle(_clock.Now);
                Publish(unit, version);
                if (_seedMachine is { } seed && version > 0 && version % _scenario.CutEvery == 0)
                {
                    long cut = _scenario.SliceBytes(stage, shard) * StageCutWire.Parts(_scenario.Rule, _scenario.EffectiveCompensation, _workers.Length, version);
                    Deliver(_reducerOwner[unit], seed, LinkKind.Cuts, cut, () => { });
                }

                TryFold(unit);
            });
        });
    }

    /// <summary>A new version (a shard's slice of it) goes once to every machine with workers: its own at once, the others over their links.</summary>
    private void Publish(int unit, int version)
    {
        int stage = unit / _shards;
        long bytes = _scenario.SliceBytes(stage, unit % _shards) * _scenario.PublicationCopies;
        int from = _reducerOwner[unit];
        for (int machine = 0; machine < _scenario.Layout.Machines; machine++)
        {
            int to = machine;
            if (version == 0 && to != from)
            {
                var key = LinkKey(from, to, LinkKind.Parameters);
                _startupBytes[key] = _startupBytes.GetValueOrDefault(key) + bytes;
            }

            Deliver(from, to, LinkKind.Parameters, bytes, () => SliceArrived(to, stage + 1, version));
        }
    }

    /// <summary>A machine has a version once every shard's slice of it is there.</summary>
    private void SliceArrived(int machine, int stage, int version)
    {
        var key = (machine, stage, version);
        int arrived = _slicesArrived.GetValueOrDefault(key) + 1;
        if (arrived < _shards)
        {
            _slicesArrived[key] = arrived;
            return;
        }

        _slicesArrived.Remove(key);
        VersionArrived(machine, stage, version);
    }

    private void VersionArrived(int machine, int stage, int version)
    {
        _versionArrivals[(machine, stage, version)] = _clock.Now;
        if (_versionWaiters.Remove((machine, stage, version), out var waiters))
        {
            foreach (var rank in waiters)
            {
                TryStart(rank);
            }
        }
    }

    private sealed class WorkerProgress
    {
        /// <summary>Index of the next op in the worker's stream (step · 2L + position).</summary>
        public int Next { get; set; }

        public bool Busy { get; set; }

        /// <summary>The newest step whose token reached this worker (−1: none yet).</summary>
        public int TokenStep { get; set; }

        public bool BlockedByPacing { get; set; }
    }

    private sealed class ReducerProgress(ComputeMachine compute, double[] publishedAt)
    {
        public ComputeMachine Compute { get; } = compute;

        /// <summary>Per step: when the version its update made was published.</summary>
        public double[] PublishedAt { get; } = publishedAt;

        public HashSet<(int Step, int Rank)> Arrived { get; } = [];

        public int NextStep { get; set; }

        public int NextRank { get; set; }

        public bool Busy { get; set; }

        public double BusySince { get; set; }

        /// <summary>Seconds from the start of a fold or update to its end (waiting for a shared slot included).</summary>
        public double BusySeconds { get; private set; }

        public void Idle(double now)
        {
            Busy = false;
            BusySeconds += now - BusySince;
        }
    }

    /// <summary>
    /// A timed op's rents and returns that come within 1 % of the op of the first of them, applied together
    /// at its moment (<paramref name="At"/>, a fraction of the pass): a layer's several buffers, one milestone.
    /// </summary>
    private sealed record TimedChange(double At, BufferEvent[] Changes)
    {
        /// <summary>The op's events in such groups, once per op kind and stage; null when the op's buffers were not timed.</summary>
        public static IReadOnlyList<TimedChange>? Of(OpBuffers? buffers)
        {
            if (buffers?.Events is not { } events)
            {
                return null;
            }

            var groups = new List<TimedChange>();
            for (int first = 0; first < events.Count;)
            {
                int end = first + 1;
                while (end < events.Count && events[end].At - events[first].At < 0.01)
                {
                    end++;
                }

                groups.Add(new TimedChange(events[first].At, [.. events.Skip(first).Take(end - first)]));
                first = end;
            }

            return groups;
        }

        public void ApplyTo(PerSizePool pool)
        {
            foreach (var change in Changes)
            {
                pool.Changed(change.Bytes, change.Change);
            }
        }
    }
}
