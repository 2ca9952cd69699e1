using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Serialization;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport;
using MessagePack;

namespace CyclicActors.Actors.Tests.Transport;

/// <summary>A wire-shaped message that is deliberately missing from the manifest table.</summary>
[MessagePackObject]
public sealed record UnregisteredTransportMessage([property: Key(0)] int Value) : ITransportMessage;

public sealed class TransportSerializationTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("transport-serialization", CyclicSettings.Reference);

    private SerializerWithStringManifest Serializer =>
        Assert.IsType<CyclicMessageSerializer>(_system.Serialization.FindSerializerFor(new ChunksAcknowledged(0)));

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [Fact]
    public void A_chunk_round_trips_with_every_header_field_and_the_exact_payload()
    {
        var tensor = TransportTestData.Tensor(new Random(1), 1000);
        var chunk = TensorChunker.Split(long.MaxValue - 1, new TransferLabel(12, 3, 5), tensor, 1024)[2];

        var bytes = Serializer.ToBinary(chunk);
        Assert.Equal("chunk", Serializer.Manifest(chunk));
        var back = Assert.IsType<TensorChunk>(Serializer.FromBinary(bytes, "chunk"));

        Assert.Equal(chunk with { Payload = default }, back with { Payload = default });
        Assert.Equal(chunk.Payload.ToArray(), back.Payload.ToArray());
        Assert.Null(ChunkHeaderValidator.Validate(back, 1000, out _));
    }

    [Fact]
    public void A_deserialized_payload_is_a_slice_of_the_received_bytes_not_a_copy()
    {
        var chunk = TransportTestData.Chunks(1, new float[64], 64)[0];
        var bytes = Serializer.ToBinary(chunk);
        var back = (TensorChunk)Serializer.FromBinary(bytes, "chunk");

        Assert.True(MemoryMarshal.TryGetArray(back.Payload, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.True(bytes.Length - back.Payload.Length < 64, $"{bytes.Length - back.Payload.Length} bytes of header");
    }

    [Fact]
    public void An_ack_round_trips()
    {
        var ack = new ChunksAcknowledged(123_456_789_012);
        Assert.Equal("chunkack", Serializer.Manifest(ack));
        Assert.Equal(ack, Serializer.FromBinary(Serializer.ToBinary(ack), "chunkack"));
    }

    [Fact]
    public void An_unregistered_type_fails_instead_of_falling_back()
    {
        var message = new UnregisteredTransportMessage(1);
        Assert.IsType<CyclicMessageSerializer>(_system.Serialization.FindSerializerFor(message));
        Assert.Throws<SerializationException>(() => Serializer.ToBinary(message));
        Assert.Throws<SerializationException>(() => Serializer.Manifest(message));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary([0x91, 0x01], "no-such-manifest"));
    }

    [Fact]
    public void Corrupted_bytes_are_rejected_or_caught_by_validation_and_never_escape_as_other_exceptions()
    {
        var tensor = TransportTestData.Tensor(new Random(2), 300);
        var chunks = TensorChunker.Split(9, new TransferLabel(1, 0, 1), tensor, 400);
        var clean = chunks.Select(Serializer.ToBinary).ToArray();
        var random = new Random(3);
        var outcomes = new Dictionary<string, int>();

        for (var trial = 0; trial < 3000; trial++)
        {
            var bytes = clean[random.Next(clean.Length)].ToArray();
            Corrupt(random, ref bytes);
            string outcome;
            try
            {
                var chunk = (TensorChunk)Serializer.FromBinary(bytes, "chunk");
                using var table = new TensorReassemblyTable(new CountingPool(), maxElements: 1000, maxActiveTransfers: 8);
                var step = table.Accept(chunk);
                step.Tensor?.Dispose();
                outcome = step.Result.Outcome.ToString();
            }
            catch (SerializationException)
            {
                outcome = "SerializationException";
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // Both defences are exercised: the MessagePack layer and the header validation.
        Assert.True(outcomes.GetValueOrDefault("SerializationException") > 100, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("Rejected") > 100, string.Join(", ", outcomes));
    }

    private static void Corrupt(Random random, ref byte[] bytes)
    {
        switch (random.Next(3))
        {
            case 0:
                bytes[random.Next(Math.Min(bytes.Length, 40))] ^= (byte)random.Next(1, 256); // header
                break;
            case 1:
                Array.Resize(ref bytes, random.Next(bytes.Length)); // truncated frame
                break;
            default:
                for (var i = 0; i < 4; i++)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                break;
        }
    }
}
