using System.Globalization;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Cluster;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport.Channel;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Bench.Transport;

/// <summary>
/// The first OS process: forms the cluster, starts the receiver process, then measures the same
/// payload (a) over raw TCP, (b) through Akka.Remote in chunks with the window and (c) through a
/// dedicated tensor channel negotiated over Akka, and writes the results.
/// </summary>
internal static class DriverProcess
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(BenchOptions options, string[] args)
    {
        using var overall = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var tensor = BenchTensor.Create(options.PayloadElements);
        var system = BenchCluster.Start(options, "sender");
        try
        {
            var cluster = Cluster.Get(system);
            cluster.Join(cluster.SelfAddress);
            using var certificates = BenchCertificates.Create();
            await using var receiver = ChildProcess.Start(options.ToReceiverArguments(cluster.SelfAddress.ToString(), certificates.ReceiverDirectory, certificates.Driver.Fingerprint));
            var tlsChannel = receiver.WaitForLine("TLS-CHANNEL ", StepTimeout).Split(' ');
            var tlsEndpoint = new ChannelEndpoint("127.0.0.1", int.Parse(tlsChannel[1], CultureInfo.InvariantCulture), long.Parse(tlsChannel[2], CultureInfo.InvariantCulture),
                Actors.Security.ClusterTls.Load(certificates.ReceiverDirectory).Fingerprint);
            var rawPort = int.Parse(receiver.WaitForLine("RAW ", StepTimeout)[4..], CultureInfo.InvariantCulture);
            var rawTlsPort = int.Parse(receiver.WaitForLine("RAW-TLS ", StepTimeout)[8..], CultureInfo.InvariantCulture);
            receiver.WaitForLine("READY", StepTimeout);
            await BenchCluster.WhenUpAsync(system).WaitAsync(StepTimeout);
            var linkReceiver = await ResolveReceiverAsync(system, cluster, ReceiverProcess.ReceiverName);
            var verifier = await ResolveReceiverAsync(system, cluster, ReceiverProcess.VerifierName);
            var transport = TransportSettings.From(system.Settings.Config);
            Console.WriteLine($"Cluster up; receiver process {receiver.Id}. Payload {options.PayloadMiB} MiB, chunks {options.ChunkKiB} KiB, windows {string.Join(',', options.Windows)}, {options.Repetitions} reps + 1 warm-up.");

            var payloadBytes = new FloatByteMemory(tensor).Memory;
            var measurements = new List<Measurement>();
            foreach (var window in options.Windows)
            {
                // Each window gets its own raw baseline, measured just before it, because the load
                // on a shared machine drifts within a run.
                var raw = await RawAsync(options, rawPort, payloadBytes, window, overall.Token);
                Print(raw, raw);
                var akka = await AkkaRemoteAsync(system, linkReceiver, receiver, tensor, options, transport with { WindowChunks = window }, overall.Token);
                Print(akka, raw);
                var channel = await ChannelAsync(verifier, receiver, tensor, options, window, overall.Token);
                Print(channel, raw);
                var link = await ChannelLinkAsync(system, verifier, receiver, tensor, options, transport with { WindowChunks = window }, overall.Token);
                Print(link, raw);
                var rawTls = await RawTlsAsync(options, rawTlsPort, payloadBytes, window, certificates.Driver, overall.Token);
                Print(rawTls, raw);
                var tls = await TlsChannelLinkAsync(system, tlsEndpoint, receiver, tensor, options, transport with { WindowChunks = window, Tls = certificates.Driver }, overall.Token);
                Print(tls, raw);
                measurements.AddRange([raw, akka, channel, link, rawTls, tls]);
            }

            var breakdown = SerializationProbe.Measure(system, tensor, options);
            Console.WriteLine($"In-process, per transfer: serialize {breakdown.SerializeSeconds:0.000} s, deserialize {breakdown.DeserializeSeconds:0.000} s, reassemble {breakdown.ReassembleSeconds:0.000} s");

            var files = BenchReport.Write(options, args, measurements, breakdown);
            Console.WriteLine($"Wrote {string.Join(", ", files)}");
            return 0;
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static async Task<IActorRef> ResolveReceiverAsync(ActorSystem system, Cluster cluster, string name)
    {
        var member = cluster.State.Members.Single(m => m.HasRole("receiver"));
        var path = new RootActorPath(member.Address) / "user" / name;
        return await system.ActorSelection(path).ResolveOne(StepTimeout);
    }

    private static async Task<Measurement> RawAsync(BenchOptions options, int port, ReadOnlyMemory<byte> payload, int window, CancellationToken cancel)
    {
        var seconds = await RawTcp.MeasureAsync(port, payload, options.ChunkBytes, options.Repetitions + 1, cancel).WaitAsync(StepTimeout, cancel);
        return new Measurement("raw-tcp", window, "plain loopback TCP socket, chunk-sized writes, read into a pre-touched buffer (baseline for this window's rows)", seconds.Skip(1).ToArray(), options.PayloadMiB);
    }

    private static async Task<Measurement> RawTlsAsync(BenchOptions options, int port, ReadOnlyMemory<byte> payload, int window, Actors.Security.ClusterTls tls, CancellationToken cancel)
    {
        var seconds = await RawTcp.MeasureAsync(port, payload, options.ChunkBytes, options.Repetitions + 1, cancel, tls).WaitAsync(StepTimeout, cancel);
        return new Measurement("raw-tls", window, $"bare SslStream over loopback TCP, mutual TLS with the same certificates ({TlsCipher()}), chunk-sized writes: the ceiling TLS allows here", seconds.Skip(1).ToArray(), options.PayloadMiB);
    }

    private static async Task<Measurement> AkkaRemoteAsync(ActorSystem system, IActorRef linkReceiver, ChildProcess receiver, float[] tensor, BenchOptions options, TransportSettings transport, CancellationToken cancel)
    {
        var window = transport.WindowChunks;
        var link = system.ActorOf(Props.Create(() => new TensorLinkSender(linkReceiver, transport)), $"link-{window}");
        var (seconds, senderAllocated, receiverAllocated) = await MeasureLinkAsync(link, receiver, "remote", tensor, options, cancel);
        return new Measurement("akka-remote-chunked", window, "TensorLinkSender -> TensorLinkReceiver: TensorChunk messages through Akka.Remote (cluster, DotNetty TCP), MessagePack, cumulative acks", seconds, options.PayloadMiB)
        {
            SenderAllocatedBytes = senderAllocated,
            ReceiverAllocatedBytes = receiverAllocated,
        };
    }

    /// <summary>Times SendTensor → TensorSent through a link actor, one warm-up then the reps, each verified by the receiver.</summary>
    private static async Task<(List<double> Seconds, long SenderAllocated, long ReceiverAllocated)> MeasureLinkAsync(IActorRef link, ChildProcess receiver, string path, float[] tensor, BenchOptions options, CancellationToken cancel)
    {
        var seconds = new List<double>();
        var senderAllocated = new List<long>();
        var receiverAllocated = new List<long>();
        for (var rep = 0; rep <= options.Repetitions; rep++)
        {
            var label = new TransferLabel(rep, 0, 0);
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await link.Ask<TensorSent>(replyTo => new SendTensor(label, tensor, replyTo), StepTimeout, cancel);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            var receiverBytes = Verified(receiver, path);
            if (rep > 0)
            {
                seconds.Add(elapsed);
                senderAllocated.Add(allocated);
                receiverAllocated.Add(receiverBytes);
            }
        }

        return (seconds, Measurement.MedianLong(senderAllocated), Measurement.MedianLong(receiverAllocated));
    }

    private static async Task<Measurement> ChannelAsync(IActorRef verifier, ChildProcess receiver, float[] tensor, BenchOptions options, int window, CancellationToken cancel)
    {
        var offer = await verifier.Ask<TensorChannelOffered>(new TensorChannelRequested(options.ChunkBytes), StepTimeout, cancel);
        await using var channel = await TensorChannelSender.ConnectAsync(offer.Host, offer.Port, offer.Token, window, cancel);
        var seconds = new List<double>();
        var senderAllocated = new List<long>();
        var receiverAllocated = new List<long>();
        for (var rep = 0; rep <= options.Repetitions; rep++)
        {
            var chunks = TensorChunker.Split((window * 1000L) + 200 + rep, new TransferLabel(rep, 0, 0), tensor, options.ChunkBytes);
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var sent = await channel.SendAsync(chunks, cancel);
            await channel.WhenAcknowledgedAsync(sent, cancel).WaitAsync(StepTimeout, cancel);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            var receiverBytes = Verified(receiver, "channel");
            if (rep > 0)
            {
                seconds.Add(elapsed);
                senderAllocated.Add(allocated);
                receiverAllocated.Add(receiverBytes);
            }
        }

        return new Measurement("tensor-channel", window, "dedicated TCP channel offered in an Akka message, 44-byte frame header + raw payload read straight into the tensor, cumulative acks", seconds, options.PayloadMiB)
        {
            SenderAllocatedBytes = Measurement.MedianLong(senderAllocated),
            ReceiverAllocatedBytes = Measurement.MedianLong(receiverAllocated),
        };
    }

    /// <summary>The path the cluster runtime takes: a <see cref="TensorChannelLink"/> actor fed SendTensor messages, into the runtime's listener.</summary>
    private static async Task<Measurement> ChannelLinkAsync(ActorSystem system, IActorRef verifier, ChildProcess receiver, float[] tensor, BenchOptions options, TransportSettings transport, CancellationToken cancel)
    {
        var offer = await verifier.Ask<TensorChannelOffered>(new TensorChannelRequested(options.ChunkBytes), StepTimeout, cancel);
        var window = transport.WindowChunks;
        var link = system.ActorOf(Props.Create(() => new TensorChannelLink(1, "receiver", transport, null, null)), $"channel-link-{window}");
        link.Tell(new ChannelEndpoint(offer.Host, offer.Port, offer.Token));
        var (seconds, senderAllocated, receiverAllocated) = await MeasureLinkAsync(link, receiver, "channel-link", tensor, options, cancel);
        await link.GracefulStop(StepTimeout);
        return new Measurement("runtime-channel-link", window, "what cluster runs use: TensorChannelLink actor (SendTensor, ordered TensorSent after acks) -> TensorChannelListener, same frames as tensor-channel", seconds, options.PayloadMiB)
        {
            SenderAllocatedBytes = senderAllocated,
            ReceiverAllocatedBytes = receiverAllocated,
        };
    }

    /// <summary>The runtime path under `--tls`: the same link actor and listener, over mutual TLS (SslStream) with `cyclic certs` certificates.</summary>
    private static async Task<Measurement> TlsChannelLinkAsync(ActorSystem system, ChannelEndpoint endpoint, ChildProcess receiver, float[] tensor, BenchOptions options, TransportSettings transport, CancellationToken cancel)
    {
        var window = transport.WindowChunks;
        var link = system.ActorOf(Props.Create(() => new TensorChannelLink(1, "receiver", transport, null, null)), $"tls-channel-link-{window}");
        link.Tell(endpoint);
        var (seconds, senderAllocated, receiverAllocated) = await MeasureLinkAsync(link, receiver, "channel-link-tls", tensor, options, cancel);
        await link.GracefulStop(StepTimeout);
        return new Measurement("runtime-channel-link-tls", window, $"runtime-channel-link over mutual TLS ({TlsCipher()}), certificates from a cluster CA, the listener admitting only the driver's certificate", seconds, options.PayloadMiB)
        {
            SenderAllocatedBytes = senderAllocated,
            ReceiverAllocatedBytes = receiverAllocated,
        };
    }

    /// <summary>What the machine offers for the record: whether AES runs in hardware (the target assumes AES-NI).</summary>
    private static string TlsCipher() =>
        System.Runtime.Intrinsics.X86.Aes.IsSupported ? "SslStream, TLS 1.3 default suites, AES-NI available" : "SslStream, TLS 1.3 default suites, no AES-NI on this CPU";

    /// <summary>Waits for the receiver's verdict on the transfer; a wrong bit fails the benchmark.</summary>
    private static long Verified(ChildProcess receiver, string path)
    {
        var line = receiver.WaitForLine($"VERIFY {path} ", StepTimeout);
        var parts = line.Split(' ');
        if (parts[2] != "ok")
        {
            throw new InvalidOperationException($"The receiver got different bits over {path}: {line}");
        }

        return long.Parse(parts[3]["allocated=".Length..], CultureInfo.InvariantCulture);
    }

    private static void Print(Measurement measurement, Measurement raw) =>
        Console.WriteLine($"{measurement.Name,-22} w={measurement.Window,-3} median {measurement.MedianSeconds:0.000} s  {measurement.MiBPerSecond,8:0.0} MiB/s  {100 * raw.MedianSeconds / measurement.MedianSeconds,5:0}% of raw  runs [{string.Join(", ", measurement.Seconds.Select(s => s.ToString("0.000", CultureInfo.InvariantCulture)))}]");
}
