using CyclicActors.Actors.Planning;
using System.Text.Json;
using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Tests.Runtime;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>
/// A seed and two members as ActorSystems in one process on 127.0.0.1, every message between
/// them through Akka.Remote and the wire serializer: N = 4 workers (2 per member), reducers spread
/// over the members, and the result is bitwise the one-process result under each rule.
/// </summary>
public sealed class ClusterTrainingSpec : InProcessClusterSpec
{
    [Theory]
    [InlineData(UpdateRule.Dp)]
    [InlineData(UpdateRule.CdpV1)]
    [InlineData(UpdateRule.CdpV2)]
    public async Task Training_across_a_seed_and_two_members_equals_the_one_process_run(UpdateRule rule)
    {
        var (data, initial, options, expected) = TrainingFixtures.CnnCluster(workers: 4, rule);

        var (seed, seedAddress) = StartSeed();
        var members = new[] { Start("worker"), Start("worker") };
        var parts = members.Select(member =>
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("cnn", 64));
        }).ToArray();

        var run = await ClusterRun.SeedAsync(seed, options, data, initial).WaitAsync(Limit);

        TrainingFixtures.AssertBitwiseEqual(expected, run.Training.Outcome);
        Assert.Equal(0, run.Training.VersionViolations);
        // Each member sent tensors to the other (gradients for its reducers, parameters for its workers) and held activations.
        Assert.Equal(2, run.Nodes.Count);
        Assert.All(run.Nodes, node =>
        {
            Assert.Single(node.Peers);
            Assert.True(node.BytesSent[0] > 0, $"{node.Node} sent nothing");
            Assert.True(node.PeakActivationBytes > 0, $"{node.Node} held no activations");
        });
        foreach (var outcome in await Task.WhenAll(parts).WaitAsync(Limit))
        {
            Assert.True(outcome.Succeeded, outcome.Message);
        }
    }

    [Fact]
    public async Task A_member_compiles_the_kernels_once_before_its_first_worker_starts_and_trains_the_same()
    {
        var (data, initial, options, expected) = TrainingFixtures.CnnCluster(workers: 4, UpdateRule.CdpV1);

        var (seed, seedAddress) = StartSeed();
        var events = new[] { new List<string>(), new List<string>() };
        var parts = Enumerable.Range(0, 2).Select(index =>
        {
            var member = Start("worker");
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            var seen = events[index];
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("cnn", 64),
                backendFactory: (rank, ledger) =>
                {
                    lock (seen)
                    {
                        seen.Add($"worker {rank}");
                    }

                    return new CpuBackend(new MemoryLedger(ledger));
                },
                warmUpBackend: ledger =>
                {
                    lock (seen)
                    {
                        seen.Add("warm-up");
                    }

                    var backend = new CpuBackend(ledger);
                    return (backend, backend.Pool);
                });
        }).ToArray();

        var run = await ClusterRun.SeedAsync(seed, options, data, initial).WaitAsync(Limit);

        TrainingFixtures.AssertBitwiseEqual(expected, run.Training.Outcome);
        foreach (var outcome in await Task.WhenAll(parts).WaitAsync(Limit))
        {
            Assert.True(outcome.Succeeded, outcome.Message);
        }

        foreach (var seen in events)
        {
            lock (seen)
            {
                Assert.Equal("warm-up", seen[0]);
                Assert.Single(seen, entry => entry == "warm-up");
                Assert.Equal(2, seen.Count(entry => entry.StartsWith("worker ", StringComparison.Ordinal)));
            }
        }
    }

    [Fact]
    public async Task A_member_with_other_data_is_refused_and_the_seed_names_what_is_missing()
    {
        var config = TrainingFixtures.Config("cnn", workers: 2, steps: 1);
        var data = TrainingFixtures.SyntheticFor("cnn", 64);
        var (_, _, initial) = TrainingFixtures.Build(config, data);
        var (seed, seedAddress) = StartSeed("cyclic-actors.cluster.join-timeout = 6s");
        var member = Start("worker");
        Akka.Cluster.Cluster.Get(member).Join(seedAddress);
        var part = ClusterRun.MemberAsync(member, workers: 2, () => SyntheticDataset.Create(TrainingFixtures.SmallImageShape, 10, 64, seed: 99));

        var training = ClusterRun.SeedAsync(seed, new ActorTrainingOptions { Training = config }, data, initial);

        var refused = await part.WaitAsync(Limit);
        Assert.False(refused.Succeeded);
        Assert.Contains("refused by the coordinator: its training data (64 samples", refused.Message);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => training.WaitAsync(Limit));
        Assert.Contains("2 of 2 workers missing; no member admitted; refused: " + Akka.Cluster.Cluster.Get(member).SelfAddress, timeout.Message);
    }

    [Theory]
    [InlineData("akka", "0")]
    [InlineData("channel", "300 KiB")]
    public async Task Training_completes_bitwise_equal_in_small_chunks_with_the_link_between_the_members_throttled(string path, string bandwidthLimit)
    {
        // Small chunks and Akka's smallest frame limit: a stage tensor or final state sent whole
        // (a reducer's final state here is ~150 KB) would be dropped, so every one must be chunked.
        // On the Akka path the throttle slows the tensors too; on the channel path it slows the
        // protocol messages and the link's own limit paces the tensors.
        var throttled = $"""
            akka.remote.dot-netty.tcp.applied-adapters = [trttl]
            akka.remote.dot-netty.tcp.maximum-frame-size = 128000b
            cyclic-actors.transport.chunk-bytes = 16 KiB
            cyclic-actors.transport.path = {path}
            cyclic-actors.transport.bandwidth-limit = {bandwidthLimit}
            """;
        var (data, initial, options, expected) = TrainingFixtures.CnnCluster(workers: 4, UpdateRule.CdpV2);

        var (seed, seedAddress) = StartSeed(throttled);
        var members = new[] { Start("worker", throttled), Start("worker", throttled) };
        foreach (var member in members)
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
        }

        // 200 KB/s both ways between the members, where parameters, gradients and tokens flow.
        var transport = ((Akka.Remote.RemoteActorRefProvider)((ExtendedActorSystem)members[0]).Provider).Transport;
        var bucket = new Akka.Remote.Transport.TokenBucket(capacity: 64_000, tokensPerSecond: 200_000, nanoTimeOfLastSend: 0, availableTokens: 64_000);
        var throttle = new Akka.Remote.Transport.SetThrottle(Akka.Cluster.Cluster.Get(members[1]).SelfAddress, Akka.Remote.Transport.ThrottleTransportAdapter.Direction.Both, bucket);
        Assert.True(await transport.ManagementCommand(throttle));

        var parts = members.Select(member => ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("cnn", 64))).ToArray();
        var run = await ClusterRun.SeedAsync(seed, options, data, initial).WaitAsync(Limit);

        TrainingFixtures.AssertBitwiseEqual(expected, run.Training.Outcome);
        Assert.All(await Task.WhenAll(parts).WaitAsync(Limit), outcome => Assert.True(outcome.Succeeded, outcome.Message));
        Assert.Empty(Akka.Cluster.Cluster.Get(seed).State.Unreachable);
        Assert.All(run.Nodes, node => Assert.True(node.BytesSent.Sum() > 0, $"{node.Node} sent no tensors on the {path} path"));
    }

    [Fact]
    public async Task A_traced_run_reports_progress_per_link_and_node_and_writes_one_trace_with_every_member()
    {
        const string FrequentProgress = "cyclic-actors.cluster.progress-interval = 20ms";
        const int Steps = 4;
        var config = TrainingFixtures.Config("cnn", workers: 4, steps: Steps);
        var data = TrainingFixtures.SyntheticFor("cnn", 64);
        var (_, partition, initial) = TrainingFixtures.Build(config, data);
        var tracePath = Path.Combine(Path.GetTempPath(), $"cyclic-cluster-trace-{Guid.NewGuid():N}.json");
        var options = new ActorTrainingOptions { Training = config, Rule = UpdateRule.CdpV2, TracePath = tracePath };

        var (seed, seedAddress) = StartSeed();
        var members = new[] { Start("worker", FrequentProgress), Start("worker", FrequentProgress) };
        var parts = members.Select(member =>
        {
            Akka.Cluster.Cluster.Get(member).Join(seedAddress);
            return ClusterRun.MemberAsync(member, workers: 2, () => TrainingFixtures.SyntheticFor("cnn", 64));
        }).ToArray();
        var board = new ClusterProgressBoard();
        var seen = new List<ClusterProgress>();

        try
        {
            var run = await ClusterRun.SeedAsync(seed, options, data, initial, _ =>
            {
                lock (seen)
                {
                    seen.Add(board.Current);
                }
            }, progress: board).WaitAsync(Limit);
            seen.Add(board.Current);
            Assert.All(await Task.WhenAll(parts).WaitAsync(Limit), outcome => Assert.True(outcome.Succeeded, outcome.Message));

            var memberAddresses = members.Select(member => Akka.Cluster.Cluster.Get(member).SelfAddress.ToString()).ToArray();
            AssertProgressWithinFinalStatistics(seen, run.Nodes, stepsPerNode: 2 * Steps);
            Assert.Equal(tracePath, run.Training.TracePath);
            Assert.Empty(run.TraceMissing);
            AssertMergedTrace(tracePath, memberAddresses, workers: 4, stages: partition.StageCount, totalSteps: Steps);
        }
        finally
        {
            File.Delete(tracePath);
        }
    }

    /// <summary>Every link and node appears, values only grow, and none exceeds what the members reported at the end.</summary>
    private static void AssertProgressWithinFinalStatistics(IReadOnlyList<ClusterProgress> seen, IReadOnlyList<NodeStatistics> final, int stepsPerNode)
    {
        var finalLinks = final.SelectMany(node => node.Peers.Zip(node.BytesSent, (peer, bytes) => (Link: ClusterProgress.LinkName(node.Node, peer), Bytes: bytes)))
            .ToDictionary(link => link.Link, link => link.Bytes);
        Assert.Equal(2, finalLinks.Count);
        Assert.Equal(finalLinks.Keys.Order(), seen[^1].LinkBytes.Keys.Order());
        foreach (var (link, total) in finalLinks)
        {
            var values = seen.Where(progress => progress.LinkBytes.ContainsKey(link)).Select(progress => progress.LinkBytes[link]).ToArray();
            Assert.All(values.Zip(values.Skip(1)), pair => Assert.True(pair.First <= pair.Second, $"{link}: {pair.First} then {pair.Second}"));
            Assert.True(values[^1] > 0, $"{link}: no bytes reported");
            Assert.True(values[^1] <= total, $"{link}: reported {values[^1]}, final {total}");
        }

        foreach (var node in final)
        {
            var reports = seen.SelectMany(progress => progress.Nodes).Where(report => report.Node == node.Node).ToArray();
            Assert.All(reports.Zip(reports.Skip(1)), pair =>
            {
                Assert.True(pair.First.PeakActivationBytes <= pair.Second.PeakActivationBytes);
                Assert.True(pair.First.MicroBatches <= pair.Second.MicroBatches);
            });
            Assert.All(reports, report =>
            {
                Assert.InRange(report.LiveActivationBytes, 0, report.PeakActivationBytes);
                Assert.InRange(report.PeakActivationBytes, 0, node.PeakActivationBytes);
                Assert.InRange(report.MicroBatches, 0, stepsPerNode);
            });
            Assert.True(reports[^1].PeakActivationBytes > 0, $"{node.Node}: no activations reported");
        }
    }

    /// <summary>
    /// One process per member named by its address; between them every worker and reducer track
    /// once, with every op of each worker in order (as in a one-process trace) and every gradient
    /// arrival and publication of each reducer; a gradient arrives after the op that computed it.
    /// </summary>
    private static void AssertMergedTrace(string path, IReadOnlyList<string> members, int workers, int stages, int totalSteps)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var events = document.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
        static string Name(JsonElement e) => e.GetProperty("name").GetString()!;
        static string Phase(JsonElement e) => e.GetProperty("ph").GetString()!;
        static (int Pid, int Tid) Thread(JsonElement e) => (e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32());

        var processes = events.Where(e => Name(e) == "process_name").ToDictionary(e => e.GetProperty("pid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString()!);
        Assert.Equal(members.Order(), processes.Values.Order());
        var tracks = events.Where(e => Name(e) == "thread_name").ToDictionary(e => e.GetProperty("args").GetProperty("name").GetString()!, Thread);
        var shortNames = members.Select(NodeAddress.HostAndPort).ToArray();
        var linkTracks = shortNames.SelectMany(from => shortNames.Where(to => to != from).SelectMany(to => new[] { "gradients", "parameters" }.Select(kind => $"link {from}->{to} {kind}")));
        var expectedTracks = Enumerable.Range(0, workers).Select(r => $"worker {r}").Concat(Enumerable.Range(0, stages).Select(s => $"reducer {s}")).Concat(linkTracks);
        Assert.Equal(expectedTracks.Order(), tracks.Keys.Order());

        // Every link track carries transfer spans, on the sending member's process.
        Assert.All(linkTracks, link =>
        {
            var track = tracks[link];
            Assert.Equal(link.Split(' ')[1].Split("->")[0], NodeAddress.HostAndPort(processes[track.Pid]));
            Assert.Contains(events, e => Phase(e) == "X" && Thread(e) == track && e.GetProperty("cat").GetString() == "transfer");
        });
        Assert.All(processes.Keys, pid =>
        {
            Assert.Contains(tracks.Values, track => track.Pid == pid && track.Tid > 0);
            Assert.Contains(events, e => Phase(e) == "C" && e.GetProperty("pid").GetInt32() == pid);
        });

        var backwardEnds = new Dictionary<(int Rank, int Stage, int Step), long>();
        for (int rank = 0; rank < workers; rank++)
        {
            var track = tracks[$"worker {rank}"];
            var ops = events.Where(e => Phase(e) == "X" && Thread(e) == track && e.GetProperty("cat").GetString() == "op")
                .Select(e => (Name: Name(e), Start: e.GetProperty("ts").GetInt64(), End: e.GetProperty("ts").GetInt64() + e.GetProperty("dur").GetInt64()))
                .ToArray();
            var expectedNames = Enumerable.Range(0, totalSteps).SelectMany(step =>
                Enumerable.Range(1, stages).Select(j => $"F{j}.s{step}").Concat(Enumerable.Range(1, stages).Reverse().Select(j => $"B{j}.s{step}")));
            Assert.Equal(expectedNames, ops.Select(op => op.Name));
            Assert.All(ops.Zip(ops.Skip(1)), pair => Assert.True(pair.First.End <= pair.Second.Start, "ops of one worker must not overlap"));
            foreach (var op in ops.Where(op => op.Name.StartsWith('B')))
            {
                var parts = op.Name[1..].Split(".s");
                backwardEnds[(rank, int.Parse(parts[0]) - 1, int.Parse(parts[1]))] = op.End;
            }
        }

        for (int stage = 0; stage < stages; stage++)
        {
            var instants = events.Where(e => Phase(e) == "i" && Thread(e) == tracks[$"reducer {stage}"]).ToArray();
            var arrivals = instants.Where(e => Name(e).StartsWith("grad ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(workers * totalSteps, arrivals.Length);
            Assert.Equal(totalSteps + 1, instants.Count(e => Name(e).StartsWith("publish ", StringComparison.Ordinal)));
            foreach (var arrival in arrivals)
            {
                // "grad s{step} r{rank}": on one machine the clocks agree, so causality shows across processes.
                var parts = Name(arrival)["grad s".Length..].Split(" r");
                var computed = backwardEnds[(int.Parse(parts[1]), stage, int.Parse(parts[0]))];
                Assert.True(arrival.GetProperty("ts").GetInt64() >= computed, $"{Name(arrival)} at reducer {stage} before its backward op ended");
            }
        }
    }

}
