using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Serialization;
using CyclicActors.Actors.Tracing;
using MessagePack;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class TraceBatchesTests
{
    private const string Node = "akka.tcp://cyclic@10.0.0.2:4054";
    private static readonly DateTime Origin = new(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    [Fact]
    public void Every_batch_serializes_under_the_budget_and_the_batches_join_to_the_trace()
    {
        // Long, multi-byte names so that the size bound, not the event count, decides.
        var events = Enumerable.Range(0, 5_000)
            .Select(i => (i % 3, i % 4) switch
            {
                (2, _) => new TraceEntry('C', 0, "live activation bytes", "memory", i, 0, i * 1000L),
                // A transfer keeps its bytes; an op has no value.
                (0, 0) => new TraceEntry('X', 2, $"s1.r{i}@{i}", TraceRecorder.TransferCategory, i * 10L, 9, i * 4096L),
                _ => new TraceEntry(i % 3 == 0 ? 'X' : 'i', 1 + (i % 2), $"F{i}.s{i} ünïcödé €€€ {new string('x', i % 200)}", "op", i * 10L, i % 3 == 0 ? 7 : 0, null),
            })
            .ToArray();
        // The origin travels in whole microseconds, the unit of trace timestamps.
        var trace = new TraceSnapshot(Origin.AddTicks(1_234_560), ["worker 0", "reducer 3"], events);

        var batches = TraceBatches.Split(Node, trace, maxBytes: 32 * 1024);

        Assert.True(batches.Length > 10, $"{batches.Length} batches");
        Assert.All(batches, batch =>
        {
            Assert.InRange(MessagePackSerializer.Serialize(batch, CyclicMessageSerializer.Options).Length, 1, 32 * 1024);
            Assert.Equal((Node, batches.Length), (batch.Node, batch.Count));
        });
        Assert.Equal(Enumerable.Range(0, batches.Length), batches.Select(batch => batch.Sequence));
        var joined = TraceBatches.Join(batches.Reverse().ToArray());
        Assert.Equal(Node, joined.Node);
        Assert.Equal(trace.OriginUtc, joined.Trace.OriginUtc);
        Assert.Equal(trace.Tracks, joined.Trace.Tracks);
        Assert.Equal(trace.Events, joined.Trace.Events);
    }

    [Fact]
    public void An_empty_trace_is_one_batch_so_the_seed_still_knows_it_is_complete()
    {
        var batch = Assert.Single(TraceBatches.Split(Node, new TraceSnapshot(Origin, ["worker 0"], [])));
        Assert.Equal((0, 1, 0), (batch.Sequence, batch.Count, batch.Events.Length));
    }

    [Fact]
    public void The_collection_is_complete_once_every_node_sent_every_batch_in_any_order()
    {
        var other = "akka.tcp://cyclic@10.0.0.3:4054";
        var first = TraceBatches.Split(Node, Trace(300), maxBytes: 4096);
        var second = TraceBatches.Split(other, Trace(2), maxBytes: 4096);
        var collection = new TraceCollection([Node, other]);

        Assert.Equal([Node, other], collection.Missing);
        foreach (var batch in first.Reverse())
        {
            Assert.Null(collection.Add(batch));
        }

        Assert.False(collection.IsComplete);
        Assert.Equal([other], collection.Missing);
        Assert.Equal([Node], collection.Traces.Select(trace => trace.Node));
        Assert.Null(collection.Add(second[0]));
        Assert.True(collection.IsComplete);
        Assert.Empty(collection.Missing);
        Assert.Equal([300, 2], collection.Traces.Select(trace => trace.Trace.Events.Count));
    }

    [Fact]
    public void Batches_that_do_not_fit_are_refused_with_the_reason()
    {
        var collection = new TraceCollection([Node]);
        var batch = TraceBatches.Split(Node, Trace(3))[0];
        Assert.Null(collection.Add(batch));

        Assert.Contains("not in the plan", collection.Add(batch with { Node = "akka.tcp://cyclic@elsewhere:1" }));
        Assert.Contains("arrived twice", collection.Add(batch));
        Assert.Contains("out of range", collection.Add(batch with { Sequence = 1 }));
        Assert.Contains("out of range", collection.Add(batch with { Count = TraceCollection.MaxBatches + 1 }));
        Assert.Contains("does not match", collection.Add(batch with { Count = 2, Sequence = 1 }));
        var other = new TraceCollection([Node]);
        Assert.Contains("invalid event", other.Add(batch with { Events = [new TraceEventRecord('X', 2, "F1.s0", "op", 0, 1, 0)] }));
        Assert.Contains("invalid event", other.Add(batch with { Events = [new TraceEventRecord('C', 1, "live", "memory", 0, 0, 1)] }));
        Assert.Contains("invalid event", other.Add(batch with { Events = [new TraceEventRecord('B', 1, "F1.s0", "op", 0, 0, 0)] }));
        Assert.Contains("invalid event", other.Add(batch with { Events = [new TraceEventRecord('X', 1, "F1.s0", "op", 0, -5, 0)] }));
        Assert.False(other.IsComplete);
    }

    private static TraceSnapshot Trace(int events) =>
        new(Origin, ["worker 0"], Enumerable.Range(0, events).Select(i => new TraceEntry('X', 1, $"F1.s{i}", "op", i * 10L, 5, null)).ToArray());
}
