using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Bench.Transport;

/// <summary>
/// The receiving node's bench actor: verifies every tensor the production
/// <see cref="TensorLinkReceiver"/> (Akka.Remote path) delivers, and on request opens a dedicated
/// tensor channel and offers its endpoint in an Akka message; a second listener runs mutual TLS.
/// Verdicts go to stdout.
/// </summary>
internal sealed class ChunkReceiverActor : ReceiveActor
{
    private readonly float[] _expected;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TensorChannelListener? _listener;
    private TensorChannelListener? _tlsListener;
    private long _allocatedAtLastCompletion = GC.GetTotalAllocatedBytes();

    public ChunkReceiverActor(float[] expected, TlsRows tls)
    {
        _expected = expected;
        Receive<TensorReceived>(received => Report("remote", new ReassemblyStep(ChunkResult.Completed, received.Label, received.Tensor)));
        Receive<TensorChannelRequested>(OnChannelRequested);
        ListenWithTls(tls);
    }

    protected override void PostStop()
    {
        _listener?.Dispose();
        _tlsListener?.Dispose();
    }

    /// <summary>
    /// The runtime's listener with mutual TLS (as `--tls` runs it), admitting only the driver's
    /// certificate; its endpoint goes to stdout, where the driver reads it.
    /// </summary>
    private void ListenWithTls(TlsRows tls)
    {
        var settings = TransportSettings.From(Context.System.Settings.Config) with { ChunkBytes = tls.ChunkBytes, MaxTensorElements = _expected.Length, Tls = tls.Node };
        _tlsListener = TensorChannelListener.Start(
            "127.0.0.1",
            0,
            settings,
            channel => channel == 1,
            (_, step) => Report("channel-link-tls", step),
            ended => Console.WriteLine($"CHANNEL-END {ended}"),
            (remote, reason) => Console.WriteLine($"CHANNEL-REFUSED {remote} {reason}"));
        _tlsListener.AdmitPeers([tls.Peer]);
        Console.WriteLine($"TLS-CHANNEL {_tlsListener.Port} {_tlsListener.Token}");
    }

    /// <summary>
    /// Opens the runtime's <see cref="TensorChannelListener"/> (once) and offers it: channel 0
    /// carries the bare <see cref="TensorChannelSender"/>'s transfers, channel 1 the runtime's
    /// <see cref="TensorChannelLink"/> actor's.
    /// </summary>
    private void OnChannelRequested(TensorChannelRequested request)
    {
        if (_listener is null)
        {
            var settings = TransportSettings.From(Context.System.Settings.Config) with { ChunkBytes = request.MaxChunkBytes, MaxTensorElements = _expected.Length };
            _listener = TensorChannelListener.Start(
                "127.0.0.1",
                0,
                settings,
                channel => channel is 0 or 1,
                (channel, step) => Report(channel == 0 ? "channel" : "channel-link", step),
                ended => Console.WriteLine($"CHANNEL-END {ended}"),
                (remote, reason) => Console.WriteLine($"CHANNEL-REFUSED {remote} {reason}"));
        }

        Sender.Tell(new TensorChannelOffered("127.0.0.1", _listener.Port, _listener.Token));
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

/// <summary>The receiver's TLS listener: its node certificate, the driver's fingerprint, the chunk size.</summary>
internal sealed record TlsRows(CyclicActors.Actors.Security.ClusterTls Node, string Peer, int ChunkBytes);
