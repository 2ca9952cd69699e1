using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Bench.Transport;

/// <summary>
/// The receiving node's bench actor: verifies every tensor the production
/// <see cref="TensorLinkReceiver"/> (Akka.Remote path) delivers, and on request opens a dedicated
/// tensor channel and offers its endpoint in an Akka message. Verdicts go to stdout.
/// </summary>
internal sealed class ChunkReceiverActor : ReceiveActor
{
    private readonly float[] _expected;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stop = new();
    private long _allocatedAtLastCompletion = GC.GetTotalAllocatedBytes();

    public ChunkReceiverActor(float[] expected)
    {
        _expected = expected;
        Receive<TensorReceived>(received => Report("remote", new ReassemblyStep(ChunkResult.Completed, received.Label, received.Tensor)));
        Receive<TensorChannelRequested>(OnChannelRequested);
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private void OnChannelRequested(TensorChannelRequested request)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var token = Random.Shared.NextInt64();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var cancel = _stop.Token;
        _ = Task.Run(async () =>
        {
            using var table = new TensorReassemblyTable(ArrayPool<float>.Shared, _expected.Length, maxActiveTransfers: 4);
            try
            {
                using var socket = await listener.AcceptSocketAsync(cancel);
                var ended = await TensorChannelReceiver.RunAsync(socket, token, request.MaxChunkBytes, table, step => Report("channel", step), cancel);
                Console.WriteLine($"CHANNEL-END {ended}");
            }
            finally
            {
                listener.Stop();
            }
        }, cancel);
        Sender.Tell(new TensorChannelOffered("127.0.0.1", port, token));
    }

    // Called from the actor (remote path) or the channel's reader task; Console is thread-safe.
    private void Report(string path, ReassemblyStep step)
    {
        if (step.Result.Outcome is ChunkOutcome.Rejected or ChunkOutcome.Duplicate)
        {
            _log.Warning("{0} chunk {1}: {2}", path, step.Result.Outcome, step.Result.Reason);
            Console.WriteLine($"CHUNK-PROBLEM {path} {step.Result.Outcome} {step.Result.Reason}");
        }

        if (step.Tensor is not { } tensor)
        {
            return;
        }

        using (tensor)
        {
            var allocated = GC.GetTotalAllocatedBytes();
            var verdict = BenchTensor.Matches(_expected, tensor.Span) ? "ok" : "FAIL";
            Console.WriteLine($"VERIFY {path} {verdict} allocated={allocated - Interlocked.Exchange(ref _allocatedAtLastCompletion, allocated)}");
        }
    }
}
