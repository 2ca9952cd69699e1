using System.Net;
using System.Net.Sockets;
using CyclicActors.Actors.Security;

namespace CyclicActors.Bench.Transport;

/// <summary>
/// The baseline: the payload over one plain loopback TCP connection, written in chunk-sized
/// writes and read straight into a pre-touched buffer, one byte back when all arrived. With a
/// <see cref="ClusterTls"/>, the same over a bare mutual-TLS SslStream: the ceiling of what TLS
/// allows on this machine, with no framing of ours.
/// </summary>
internal static class RawTcp
{
    /// <summary>Serves one connection at a time (one per window group) until cancelled.</summary>
    public static async Task ServeAsync(TcpListener listener, int payloadBytes, CancellationToken cancel, ClusterTls? tls = null)
    {
        var buffer = new byte[payloadBytes];
        Array.Fill(buffer, (byte)1); // touch every page before timing starts
        while (!cancel.IsCancellationRequested)
        {
            using var socket = await listener.AcceptSocketAsync(cancel);
            socket.NoDelay = true;
            Stream network = new NetworkStream(socket, ownsSocket: false);
            await using var stream = tls is null ? network : await tls.AcceptAsync(network, cancel);
            while (await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancel) == buffer.Length)
            {
                await stream.WriteAsync(new byte[] { 1 }, cancel);
            }
        }
    }

    public static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    /// <summary>One connection, <paramref name="repetitions"/> timed transfers of <paramref name="payload"/>.</summary>
    public static async Task<List<double>> MeasureAsync(int port, ReadOnlyMemory<byte> payload, int writeBytes, int repetitions, CancellationToken cancel, ClusterTls? tls = null)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port, cancel);
        Stream network = new NetworkStream(socket, ownsSocket: false);
        await using var stream = tls is null ? network : await tls.ConnectAsync(network, "127.0.0.1", cancel);
        var reply = new byte[1];
        var seconds = new List<double>();
        for (var rep = 0; rep < repetitions; rep++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var offset = 0; offset < payload.Length; offset += writeBytes)
            {
                await stream.WriteAsync(payload.Slice(offset, Math.Min(writeBytes, payload.Length - offset)), cancel);
            }

            await stream.ReadExactlyAsync(reply, cancel);
            seconds.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return seconds;
    }
}
