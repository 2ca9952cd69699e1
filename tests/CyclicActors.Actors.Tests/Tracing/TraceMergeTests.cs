using System.Text.Json;
using CyclicActors.Actors.Tracing;

namespace CyclicActors.Actors.Tests.Tracing;

public sealed class TraceMergeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cyclic-trace-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Each_node_becomes_a_process_named_by_its_address_on_the_earliest_origin()
    {
        var origin = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        var early = new NodeTrace("akka.tcp://cyclic@b:2", new TraceSnapshot(origin, ["worker 2", "reducer 1"],
        [
            new TraceEntry('X', 1, "F1.s0", "op", 100, 50, null),
            new TraceEntry('i', 2, "publish v1", "parameters", 400, 0, null),
        ]));
        // Started 1.5 ms after the first node: its events move 1,500 µs later.
        var late = new NodeTrace("akka.tcp://cyclic@a:1", new TraceSnapshot(origin.AddTicks(15_000), ["worker 0"],
        [
            new TraceEntry('X', 1, "F1.s0", "op", 0, 30, null),
            new TraceEntry('C', 0, "live activation bytes", "memory", 10, 0, 4096),
        ]));
        var path = Path.Combine(_directory, "merged.json");

        TraceMerge.Write(path, [late, early]);

        var events = Read(path);
        var processes = events.Where(e => Name(e) == "process_name").ToDictionary(e => e.GetProperty("pid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString());
        Assert.Equal(new Dictionary<int, string?> { [1] = late.Node, [2] = early.Node }, processes);
        var threads = events.Where(e => Name(e) == "thread_name")
            .Select(e => (Pid: e.GetProperty("pid").GetInt32(), Tid: e.GetProperty("tid").GetInt32(), Name: e.GetProperty("args").GetProperty("name").GetString()));
        Assert.Equal([(1, 1, "worker 0"), (2, 1, "worker 2"), (2, 2, "reducer 1")], threads);
        var timed = events.Where(e => e.GetProperty("ph").GetString() != "M")
            .Select(e => (Pid: e.GetProperty("pid").GetInt32(), Tid: e.GetProperty("tid").GetInt32(), Name: Name(e), Ts: e.GetProperty("ts").GetInt64()));
        Assert.Equal([(2, 1, "F1.s0", 100L), (2, 2, "publish v1", 400L), (1, 1, "F1.s0", 1500L), (1, 0, "live activation bytes", 1510L)], timed);
    }

    [Fact]
    public void No_traces_give_an_empty_but_valid_file()
    {
        var path = Path.Combine(_directory, "empty.json");
        TraceMerge.Write(path, []);
        Assert.Empty(Read(path));
    }

    [Fact]
    public void A_one_process_trace_keeps_its_shape_and_link_transfers_get_their_own_track()
    {
        var recorder = new TraceRecorder();
        var before = DateTime.UtcNow;
        recorder.RegisterTrack("worker 0");
        recorder.Complete("worker 0", "F1.s0", 5, 20, "op");
        recorder.Transfer(TraceRecorder.LinkTrack("a", "b"), "grad s0 stage 1", 30, 90, 4096);
        recorder.Counter("live activation bytes", 1024);
        var path = Path.Combine(_directory, "one.json");

        recorder.WriteJson(path);

        Assert.True(recorder.OriginUtc <= before);
        var events = Read(path);
        Assert.All(events, e => Assert.Equal(1, e.GetProperty("pid").GetInt32()));
        Assert.Equal("cyclic", events.Single(e => Name(e) == "process_name").GetProperty("args").GetProperty("name").GetString());
        Assert.Equal(["worker 0", "link a->b"], events.Where(e => Name(e) == "thread_name").Select(e => e.GetProperty("args").GetProperty("name").GetString()));
        var transfer = events.Single(e => Name(e) == "grad s0 stage 1");
        Assert.Equal(("X", "transfer", 2, 30L, 60L), (transfer.GetProperty("ph").GetString(), transfer.GetProperty("cat").GetString(), transfer.GetProperty("tid").GetInt32(),
            transfer.GetProperty("ts").GetInt64(), transfer.GetProperty("dur").GetInt64()));
        Assert.Equal(4096, transfer.GetProperty("args").GetProperty("bytes").GetInt64());
        Assert.Equal(1024, events.Single(e => e.GetProperty("ph").GetString() == "C").GetProperty("args").GetProperty("bytes").GetInt64());
    }

    private static string? Name(JsonElement e) => e.GetProperty("name").GetString();

    private static JsonElement[] Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("traceEvents").EnumerateArray().Select(e => e.Clone()).ToArray();
    }
}
