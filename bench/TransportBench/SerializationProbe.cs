using System.Buffers;
using System.Diagnostics;
using Akka.Actor;
using Akka.Serialization;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;

namespace CyclicActors.Bench.Transport;

/// <summary>Seconds per transfer spent in each step the remote path runs in user code.</summary>
internal sealed record SerializationBreakdown(double SerializeSeconds, double DeserializeSeconds, double ReassembleSeconds);

/// <summary>
/// Times, in one process and without any transport, the parts of the chunked Akka path that are
/// ours: MessagePack ToBinary of every chunk (sender), FromBinary (receiver, a slice, no copy) and
/// the reassembly copy into the pooled tensor. What the remote path costs beyond their sum is
/// Akka.Remote's envelope copies and the socket.
/// </summary>
internal static class SerializationProbe
{
    public static SerializationBreakdown Measure(ActorSystem system, float[] tensor, BenchOptions options)
    {
        var serializer = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(new ChunksAcknowledged(0));
        var serialize = new List<double>();
        var deserialize = new List<double>();
        var reassemble = new List<double>();
        for (var rep = 0; rep <= options.Repetitions; rep++)
        {
            var chunks = TensorChunker.Split(3000 + rep, new TransferLabel(rep, 0, 0), tensor, options.ChunkBytes);
            using var table = new TensorReassemblyTable(ArrayPool<float>.Shared, tensor.Length, maxActiveTransfers: 1);
            double toBinary = 0, fromBinary = 0, accept = 0;
            foreach (var chunk in chunks)
            {
                var started = Stopwatch.GetTimestamp();
                var bytes = serializer.ToBinary(chunk);
                var serialized = Stopwatch.GetTimestamp();
                var back = (TensorChunk)serializer.FromBinary(bytes, serializer.Manifest(chunk));
                var deserialized = Stopwatch.GetTimestamp();
                table.Accept(back).Tensor?.Dispose();
                var accepted = Stopwatch.GetTimestamp();
                toBinary += Stopwatch.GetElapsedTime(started, serialized).TotalSeconds;
                fromBinary += Stopwatch.GetElapsedTime(serialized, deserialized).TotalSeconds;
                accept += Stopwatch.GetElapsedTime(deserialized, accepted).TotalSeconds;
            }

            if (rep > 0)
            {
                serialize.Add(toBinary);
                deserialize.Add(fromBinary);
                reassemble.Add(accept);
            }
        }

        return new SerializationBreakdown(Measurement.Median(serialize), Measurement.Median(deserialize), Measurement.Median(reassemble));
    }
}
