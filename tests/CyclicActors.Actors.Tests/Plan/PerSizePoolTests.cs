using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Pacing;
using CyclicActors.Actors.Plan;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Tests.Plan;

public sealed class PerSizePoolTests
{
    private static OpBuffers Op(Dictionary<long, int> most, Dictionary<long, int> net) => new(most, net);

    /// <summary>Each op starts and finishes before the next starts.</summary>
    private static void OneAfterAnother(PerSizePool pool, params OpBuffers[] ops)
    {
        foreach (var op in ops)
        {
            pool.Started(op);
            pool.Finished(op);
        }
    }

    [Fact]
    public void Buffers_of_one_size_out_at_different_times_are_cached_once_and_out_together_twice()
    {
        var temporary = Op(new() { [400] = 1 }, []);
        var apart = new PerSizePool();
        OneAfterAnother(apart, temporary, temporary);
        Assert.Equal(400, apart.CachedBytes);

        var together = new PerSizePool();
        together.Started(temporary);
        together.Started(temporary);
        together.Finished(temporary);
        together.Finished(temporary);
        Assert.Equal(800, together.CachedBytes);
        Assert.Equal(800, together.OutPeakBytes);
    }

    [Fact]
    public void Sizes_that_peak_at_different_times_are_all_cached_though_never_out_at_once()
    {
        var pool = new PerSizePool();
        OneAfterAnother(pool, Op(new() { [1000] = 1 }, []), Op(new() { [600] = 2 }, []));
        Assert.Equal(1200, pool.OutPeakBytes);
        Assert.Equal(2200, pool.CachedBytes);
    }

    [Fact]
    public void A_forwards_stored_buffers_stay_out_until_its_backward_frees_them()
    {
        var forward = Op(new() { [300] = 2, [50] = 1 }, new() { [300] = 1 });
        var backward = Op(new() { [300] = 2 }, new() { [300] = -1 });
        var pool = new PerSizePool();
        OneAfterAnother(pool, forward);
        Assert.Equal(650, pool.OutPeakBytes);
        pool.Started(backward);
        Assert.Equal(900, pool.OutPeakBytes);
        pool.Finished(backward);
        OneAfterAnother(pool, forward);

        Assert.Equal((3 * 300) + 50, pool.CachedBytes);
        OneAfterAnother(pool, backward);
        Assert.Throws<InvalidOperationException>(() => pool.Finished(backward));
    }

    [Fact]
    public void Whatever_the_timing_each_worker_can_be_at_its_own_worst_op_for_every_size()
    {
        // One worker: a forward keeps one 300-byte buffer and holds a 100-byte temporary; its backward holds two more 300s.
        OpBuffers[] microBatch = [Op(new() { [300] = 1, [100] = 1 }, new() { [300] = 1 }), Op(new() { [300] = 2 }, new() { [300] = -1 })];
        Assert.Equal((3 * 300) + 100, PerSizePool.MostCachedByAnyTiming(microBatch, 1));
        Assert.Equal(4 * ((3 * 300) + 100), PerSizePool.MostCachedByAnyTiming(microBatch, 4));
    }

    /// <summary>
    /// The model against the real pool: two cnn workers sharing one CPU pool run their ops in an
    /// interleaved order, one after another; the pool grows by exactly what the model, fed the
    /// footprint's measured ops in the same order, says it caches.
    /// </summary>
    [Fact]
    public void Fed_the_measured_ops_it_predicts_what_a_cpu_pool_shared_by_two_workers_reserves_for_them_to_the_byte()
    {
        const int batch = 4;
        var model = ModelPresets.Create("cnn");
        var partition = Partitioner.Partition(model, 4, "3,4,2,1");
        var footprint = OpFootprint.Measure(model, partition, batch, ledger =>
        {
            var isolated = new CpuBackend(ledger);
            return (isolated, isolated.Pool);
        });
        int stages = partition.StageCount;
        var shared = new CpuMemoryPool();
        using var first = new CpuBackend(pool: shared);
        using var second = new CpuBackend(pool: shared);
        using var firstReplica = new ModelReplica(model, partition, first);
        using var secondReplica = new ModelReplica(model, partition, second);
        using var firstData = new SyntheticMicroBatch(first, model, batch);
        using var secondData = new SyntheticMicroBatch(second, model, batch);
        var predicted = new PerSizePool();
        long reserved = 0;
        for (int microBatch = 0; microBatch < 2; microBatch++)
        {
            using var firstPass = firstData.BeginPass(firstReplica);
            using var secondPass = secondData.BeginPass(secondReplica);
            if (microBatch == 0)
            {
                reserved = shared.ReservedBytes;
            }

            var firstOps = Ops(firstPass, stages);
            var secondOps = Ops(secondPass, stages);
            // The second worker starts two ops behind, as CDP staggers them, so stored activations of both overlap.
            var order = firstOps.Take(2).Concat(firstOps.Skip(2).Zip(secondOps).SelectMany(pair => new[] { pair.First, pair.Second })).Concat(secondOps.Skip(secondOps.Count - 2));
            foreach (var (kind, stage, run) in order)
            {
                var buffers = kind == OpKind.Forward ? footprint.StageForwardBuffers![stage] : footprint.StageBackwardBuffers![stage];
                predicted.Started(buffers);
                run();
                predicted.Finished(buffers);
            }
        }

        Assert.True(predicted.CachedBytes > predicted.OutPeakBytes, "the interleaving should make sizes peak at different times");
        Assert.Equal(predicted.CachedBytes, shared.ReservedBytes - reserved);
    }

    [Fact]
    public void Each_measured_op_times_its_rents_and_returns_in_order_and_they_reach_its_most_and_leave_its_net()
    {
        var model = ModelPresets.Create("cnn");
        var partition = Partitioner.Partition(model, 4, "3,4,2,1");
        var footprint = OpFootprint.Measure(model, partition, 4, ledger =>
        {
            var isolated = new CpuBackend(ledger);
            return (isolated, isolated.Pool);
        }, timedPasses: 3);
        foreach (var op in footprint.StageForwardBuffers!.Concat(footprint.StageBackwardBuffers!))
        {
            var events = op.Events!;
            Assert.NotEmpty(events);
            Assert.All(events, change => Assert.InRange(change.At, 0, 1));
            Assert.Equal(events.Select(change => change.At).Order(), events.Select(change => change.At));
            var count = new Dictionary<long, int>();
            var most = new Dictionary<long, int>();
            foreach (var change in events)
            {
                count[change.Bytes] = count.GetValueOrDefault(change.Bytes) + change.Change;
                most[change.Bytes] = Math.Max(most.GetValueOrDefault(change.Bytes), count[change.Bytes]);
            }

            Assert.Equal(op.MostAdded, most.Where(size => size.Value > 0).ToDictionary());
            Assert.Equal(op.NetAdded, count.Where(size => size.Value != 0).ToDictionary());
        }

        // cnn's second stage (conv, ReLU, pool, flatten) gives back the gradients of its pooled output (the
        // smaller of the sizes it frees) before its ReLU and convolution's backward, the bulk of the op, free
        // any of the larger: what holding an op's buffers to its end would miss.
        var second = footprint.StageBackwardBuffers![1].Events!.ToList();
        var freed = footprint.StageBackwardBuffers[1].NetAdded.Where(size => size.Value < 0).Select(size => size.Key).Order().ToArray();
        Assert.True(freed.Length >= 2, "the second stage's backward frees its pooled output and its convolution's outputs");
        Assert.True(second.FindIndex(change => change.Bytes == freed[0] && change.Change < 0) < second.FindIndex(change => change.Bytes == freed[^1] && change.Change < 0));
    }

    [Fact]
    public void A_plan_with_the_stages_buffers_counts_the_pools_cache_and_without_them_the_runtimes_need()
    {
        var stages = Enumerable.Range(0, 4).Select(_ => new StageCost(0.01, 0.02, 0, 0, 1000, ActivationBytes: 300, WorkspaceBytes: 100,
            ForwardBuffers: Op(new() { [300] = 1, [100] = 1 }, new() { [300] = 1 }), BackwardBuffers: Op(new() { [100] = 1 }, new() { [300] = -1 }))).ToArray();
        foreach (var rule in new[] { UpdateRule.Dp, UpdateRule.CdpV1 })
        {
            var withBuffers = RuntimePlanner.Plan(PlanScenarios.Scenario(4, rule, stages, pacing: PacingMode.Budget)).Machines.Single();
            var without = RuntimePlanner.Plan(PlanScenarios.Scenario(4, rule, [.. stages.Select(stage => stage with { ForwardBuffers = null, BackwardBuffers = null })], pacing: PacingMode.Budget)).Machines.Single();
            Assert.Null(without.OpBuffersCachedBytes);
            Assert.Equal(without.Memory.Total, without.MemoryBytes);
            long cached = withBuffers.OpBuffersCachedBytes!.Value;
            Assert.Equal(withBuffers.Memory.Total - withBuffers.Memory.Activations - withBuffers.Memory.Workspace + cached, withBuffers.MemoryBytes);
            // Every worker holds a micro-batch of one size-300 buffer per stage at most, and one temporary at a time.
            Assert.InRange(cached, 300 + 100, 4 * ((4 * 300) + 100));
            Assert.True(withBuffers.OpBuffersOutPeakBytes <= cached);
            // Whatever the timing, at most every worker at its own worst op for each size: DP's workers are there together.
            Assert.Equal(4 * ((4 * 300) + 100), withBuffers.OpBuffersCachedBoundBytes);
            Assert.InRange(cached, 0, withBuffers.OpBuffersCachedBoundBytes!.Value);
            if (rule == UpdateRule.Dp)
            {
                Assert.Equal(withBuffers.OpBuffersCachedBoundBytes, cached);
            }

            Assert.Equal(withBuffers.MemoryBytes - cached + withBuffers.OpBuffersCachedBoundBytes, withBuffers.MemoryBoundBytes);
        }
    }

    [Fact]
    public void A_look_ahead_holds_its_scratch_momentum_in_the_pool_instead_of_every_workers_at_once()
    {
        // CDP-v1 with look-ahead: every stale forward computes its look-ahead point in a scratch of the largest
        // stage's length (4000 bytes, a size no op buffer has). The runtime's need counts one for every worker
        // that looks ahead; the pool holds as many as the timeline has out at once, and the plan's memory
        // takes the need's lasting parts without them.
        var stages = Enumerable.Range(0, 4).Select(_ => new StageCost(0.01, 0.02, 0, 0, 1000, ActivationBytes: 300, WorkspaceBytes: 100,
            ForwardBuffers: Op(new() { [300] = 1, [100] = 1 }, new() { [300] = 1 }), BackwardBuffers: Op(new() { [100] = 1 }, new() { [300] = -1 }))).ToArray();
        PlanScenario Of(DelayCompensation compensation) => PlanScenarios.Scenario(4, UpdateRule.CdpV1, stages) with { Compensation = compensation };
        var plain = RuntimePlanner.Plan(Of(DelayCompensation.None)).Machines.Single();
        var lookahead = RuntimePlanner.Plan(Of(DelayCompensation.Lookahead)).Machines.Single();

        Assert.Equal(0, plain.Memory.LookaheadScratch);
        Assert.Equal(4 * 4000, lookahead.Memory.LookaheadScratch);
        long scratches = lookahead.OpBuffersCachedBytes!.Value - plain.OpBuffersCachedBytes!.Value;
        Assert.True(scratches > 0 && scratches % 4000 == 0 && scratches <= lookahead.Memory.LookaheadScratch, $"{scratches} bytes of scratch");
        Assert.Equal(lookahead.Memory.Total - lookahead.Memory.Activations - lookahead.Memory.Workspace - lookahead.Memory.LookaheadScratch + lookahead.OpBuffersCachedBytes, lookahead.MemoryBytes);
        // Whatever the timing, every worker's scratch at once beside its worst op.
        Assert.Equal(plain.OpBuffersCachedBoundBytes + (4 * 4000), lookahead.OpBuffersCachedBoundBytes);
    }

    private static List<(OpKind Kind, int Stage, Action Run)> Ops(MicroBatchPass pass, int stages) =>
        [.. Enumerable.Range(0, stages).Select(stage => (OpKind.Forward, stage, (Action)(() => pass.Forward(stage)))),
            .. Enumerable.Range(0, stages).Reverse().Select(stage => (OpKind.Backward, stage, (Action)(() => pass.Backward(stage))))];
}
