using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Serialization;
using CyclicActors.Actors.Tests.Runtime;
using MessagePack;
using Xunit.Abstractions;

namespace CyclicActors.Actors.Tests.Protocol;

/// <summary>The wire contract: every protocol message round-trips through the serializer Akka picks for it.</summary>
public sealed class SerializationSpec(ITestOutputHelper output) : ActorSpec(output)
{
    public static TheoryData<ICyclicMessage> Messages => new()
    {
        new TokenPassed(3, 17, 2),
        new GradientContributed(2, 8, 3, [1.5f, -0f, float.Epsilon, float.NaN, float.PositiveInfinity]),
        new ParametersPublished(1, 4, [0.25f, -3f], [0.5f, 1e-30f]),
        new ParametersPublished(0, 0, [1f], []),
        new ParametersPublished(2, 7, [1f, 2f], [3f, 4f]) { Carrier = 5 },
        new StartTraining(1),
        new MicroBatchCompleted(6, 2, 2.302585f),
        new WorkerFinished(3, [6, 7, 8], [4096, 8192, 0], 0, 12),
        new WorkerFinished(1, [], [], 0, 0) { ParameterPeakBytes = 4096, ParameterBytesFromOwners = 123, ParameterBytesFromRanks = [0, 0, 456] },
        new ActivationPassed(4, 2, 3, [0.5f, float.NaN]),
        new OutputGradientPassed(4, 2, 1, []),
        new StageDeviceFinished(2, [1, 2, 3], [10, 20, 30], 8192, 6, 0.75, 1.5),
        new FinalStateRequested(40),
        new FinalStageState(3, 40, [7f, 8f], [0f, -1f]),
        new StageCut(2, 12, [1f, 2f], [0.5f, -0.5f], [0.75f, 1.5f], [0.25f, 0f], [[1f, -1f], [float.NaN, 3f]]),
        new StageCut(0, 0, [1f], [], [], [], []),
        new TensorChunk(long.MaxValue, 3, 1, 2, 1, 3, 4, 10, new byte[] { 0, 0, 192, 127, 0, 0, 128, 128, 1, 0, 0, 0, 255, 255, 127, 127 }),
        new ChunksAcknowledged(12),
        new TensorChannelRequested(1 << 20),
        new TensorChannelOffered("127.0.0.1", 40123, -5),
        new MemberOffered("akka.tcp://cyclic@10.0.0.2:4053", 2, "model-sha", "data-sha", 60000, ["worker", "reducer"]),
        new MemberOffered("akka.tcp://cyclic@10.0.0.3:4053", 0, "model-sha", "data-sha", 60000, []),
        new MemberAdmitted([2, 3]),
        new MemberAdmitted([]),
        new MemberRefused("data fingerprint differs"),
        new TrainingOptionsRequested("akka.tcp://cyclic@10.0.0.2:4053", 2),
        new TrainingOptionsShared("cnn", 4, "flops", 4, 16, 3, 5, 0.05f, 0.9f, 1e-4f, ulong.MaxValue, "cdp-v2", "schedule", "lookahead", "constant", true, "tick"),
        new TrainingOptionsShared("mlp", 2, "1,2", 2, 8, 1, 0, 0.1f, 0f, 0f, 7, "dp", "schedule", "none", "cosine", false, "none", CutEvery: 5, FinalCut: true, ResumeStep: 10, Round: 2),
        new TrainingOptionsShared("mlp", 4, "flops", 4, 8, 1, 0, 0.1f, 0f, 0f, 7, "cdp-v1", "schedule", "none", "cosine", false, "none") { Parallelism = "model", Devices = 2 },
        new RunRestarting(3, "member akka.tcp://cyclic@b:2 left the cluster during the run."),
        new NodePlanned(["akka.tcp://cyclic@a:1", "akka.tcp://cyclic@b:2"], [0, 0, 1, 1], [0, 1, 0, 1]),
        new NodeReady("akka.tcp://cyclic@a:1"),
        new NodeWired("akka.tcp://cyclic@a:1"),
        new NodeReady("akka.tcp://cyclic@a:1", "10.0.0.2", 4060, long.MinValue),
        new NodeReady("akka.ssl.tcp://cyclic@a:1", "10.0.0.2", 4060, 5, "0F1E2D3C"),
        new ChannelsPlanned(["10.0.0.2", "10.0.0.3"], [4060, 0], [7, -9], ["AB12", ""]),
        new TrainingEnded(false, "member b left"),
        new TrainingEnded(false, "link to c closed", Recoverable: true),
        new TrainingStarted("akka.tcp://cyclic@a:1/user/coordinator-1"),
        new NodeStatisticsRequested(10),
        new NodeStatistics("akka.tcp://cyclic@a:1", ["akka.tcp://cyclic@b:2"], [123_456_789_012], 4096),
        new NodeProgress("akka.tcp://cyclic@a:1", 1500, ["akka.tcp://cyclic@b:2", "akka.tcp://cyclic@c:3"], [123_456_789_012, 0], 2048, 4096, 17),
        new NodeTraceBatch("akka.tcp://cyclic@a:1", 1, 3, 1_767_225_600_123_456, ["worker 0", "reducer 1"],
            [new TraceEventRecord('X', 1, "F1.s0", "op", 10, 250, 0), new TraceEventRecord('i', 2, "publish v1", "parameters", 300, 0, 0), new TraceEventRecord('C', 0, "live activation bytes", "memory", 400, 0, 8192)]),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_round_trips_through_the_bound_serializer(ICyclicMessage message)
    {
        var serialization = Sys.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        Assert.IsType<CyclicMessageSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var bytes = serializer.ToBinary(message);
        var copy = serialization.Deserialize(bytes, serializer.Identifier, manifest);
        AssertEqual(message, copy);
    }

    [Fact]
    public void Every_manifest_entry_is_covered_by_a_round_trip_case()
    {
        var covered = ((IEnumerable<object[]>)Messages).Select(row => row[0].GetType()).Distinct().OrderBy(t => t.Name);
        Assert.Equal(MessageManifests.Types.OrderBy(t => t.Name), covered);
    }

    [Fact]
    public void Float_arrays_travel_as_one_blob_of_four_bytes_per_value()
    {
        var gradient = new float[10_000];
        var bytes = new CyclicMessageSerializer((ExtendedActorSystem)Sys).ToBinary(new GradientContributed(0, 0, 0, gradient));
        Assert.InRange(bytes.Length, 40_000, 40_016);
    }

    [Fact]
    public void An_unregistered_message_type_fails_instead_of_falling_back_to_json()
    {
        var unregistered = new NotAProtocolMessage(1);
        Assert.ThrowsAny<SerializationException>(() => Sys.Serialization.FindSerializerFor(unregistered).ToBinary(unregistered));
    }

    [Fact]
    public void A_cyclic_message_missing_from_the_manifest_table_fails()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new UnlistedCyclicMessage(1));
        Assert.IsType<CyclicMessageSerializer>(serializer);
        Assert.Throws<SerializationException>(() => serializer.ToBinary(new UnlistedCyclicMessage(1)));
    }

    [Fact]
    public void An_unknown_manifest_or_malformed_bytes_fail_with_a_serialization_exception()
    {
        var serializer = new CyclicMessageSerializer((ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(new TokenPassed(1, 2, 3));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "no-such-manifest"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([0xc1, 0x00], "tok"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(serializer.ToBinary(new StartTraining(1)), "grad"));
    }

    private static void AssertEqual(ICyclicMessage expected, object actual)
    {
        Assert.IsType(expected.GetType(), actual);
        // Records compare arrays by reference, so compare them by content (bitwise for floats).
        foreach (var property in expected.GetType().GetProperties().Where(p => p.DeclaringType == expected.GetType() && p.Name != "EqualityContract"))
        {
            var want = property.GetValue(expected);
            var got = property.GetValue(actual);
            switch (want)
            {
                case ReadOnlyMemory<byte> blob:
                    Assert.Equal(blob.ToArray(), ((ReadOnlyMemory<byte>)got!).ToArray());
                    break;
                case float[] floats:
                    Assert.Equal(floats.Select(BitConverter.SingleToInt32Bits), ((float[])got!).Select(BitConverter.SingleToInt32Bits));
                    break;
                case float[][] rows:
                    Assert.Equal(rows.Select(row => row.Select(BitConverter.SingleToInt32Bits)), ((float[][])got!).Select(row => row.Select(BitConverter.SingleToInt32Bits)));
                    break;
                case System.Collections.IEnumerable sequence:
                    Assert.Equal(sequence.Cast<object>(), ((System.Collections.IEnumerable)got!).Cast<object>());
                    break;
                default:
                    Assert.Equal(want, got);
                    break;
            }
        }
    }

    public sealed record NotAProtocolMessage(int Value);

    [MessagePackObject]
    public sealed record UnlistedCyclicMessage([property: Key(0)] int Value) : ICyclicMessage;
}
