using System.Net;
using Akka.Actor;
using Akka.Cluster;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Bench.Transport;

/// <summary>
/// The second OS process: raw TCP listener, cluster member with the receiver actor. Prints its
/// raw port and READY; runs until the driver closes its stdin.
/// </summary>
internal static class ReceiverProcess
{
    public const string ReceiverName = "tensor-link";

    public const string VerifierName = "verifier";

    public static async Task<int> RunAsync(BenchOptions options, string seedAddress)
    {
        var expected = BenchTensor.Create(options.PayloadElements);
        using var stop = new CancellationTokenSource();
        var listener = RawTcp.Listen();
        var raw = RawTcp.ServeAsync(listener, options.PayloadBytes, stop.Token);
        var node = Actors.Security.ClusterTls.Load(options.TlsNode ?? throw new ArgumentException("receive needs --tls-node."));
        var tlsListener = RawTcp.Listen();
        var rawTls = RawTcp.ServeAsync(tlsListener, options.PayloadBytes, stop.Token, node);
        var system = BenchCluster.Start(options, "receiver");
        try
        {
            var tls = new TlsRows(
                node,
                options.TlsPeer ?? throw new ArgumentException("receive needs --tls-peer."),
                options.ChunkBytes);
            var verifier = system.ActorOf(Props.Create(() => new ChunkReceiverActor(expected, tls)), VerifierName);
            // Its constructor prints TLS-CHANNEL; the driver reads that line before RAW.
            await verifier.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30));
            var settings = TransportSettings.From(system.Settings.Config);
            system.ActorOf(Props.Create(() => new TensorLinkReceiver(verifier, settings)), ReceiverName);
            Cluster.Get(system).JoinSeedNodes([Address.Parse(seedAddress)]);
            Console.WriteLine($"RAW {((IPEndPoint)listener.LocalEndpoint).Port}");
            Console.WriteLine($"RAW-TLS {((IPEndPoint)tlsListener.LocalEndpoint).Port}");
            Console.WriteLine("READY");

            // The driver closes stdin when done (or dies, which closes it too).
            await Console.In.ReadToEndAsync();
            return 0;
        }
        finally
        {
            await stop.CancelAsync();
            listener.Stop();
            tlsListener.Stop();
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default);
            await raw.ContinueWith(_ => { }, TaskScheduler.Default);
            await rawTls.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
