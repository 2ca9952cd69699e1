using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Tracing;
using CyclicActors.Actors.Transport.Link;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Actors.Cluster;

/// <summary>
/// What a member's training host reports about its node, kept apart from the wiring: progress every
/// interval (tensor bytes per peer link, live and peak activation bytes, micro-batches), the final
/// statistics, and the trace. Link byte counts are asked of the link actors; the answers come back to
/// the host as <see cref="LinksMeasured"/> or <see cref="FinalMeasured"/>, which it hands back here.
/// Used only from the host's thread.
/// </summary>
internal sealed class NodeObservation(NodePlanned plan, int selfIndex, MemoryLedger ledger, TraceRecorder? trace, IDevicePool? pool = null)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _microBatches;
    private bool _measuring;

    /// <summary>The node's trace recorder, or null when the run is not traced.</summary>
    public TraceRecorder? Trace => trace;

    private string SelfNode => plan.Nodes[selfIndex];

    /// <summary>A worker's report passed through the host.</summary>
    public void Reported(object report)
    {
        if (report is MicroBatchCompleted)
        {
            _microBatches++;
        }
    }

    /// <summary>Measures the links (asynchronously; at most one measurement out at a time); the host gets <see cref="LinksMeasured"/>.</summary>
    public void MeasureProgress(IReadOnlyList<IActorRef> links, IActorRef host)
    {
        if (_measuring)
        {
            return;
        }

        _measuring = true;
        MeasureLinks(links).ContinueWith(sent => new LinksMeasured(sent.IsCompletedSuccessfully ? sent.Result : null), TaskScheduler.Default).PipeTo(host);
    }

    public void OnMeasured(LinksMeasured measured, IActorRef session)
    {
        _measuring = false;
        if (measured.ByPeer is { } byPeer)
        {
            ReportProgress(byPeer, session);
        }
    }

    /// <summary>
    /// The bytes each link sent, summed per peer member, and the activation peak, for
    /// <paramref name="replyTo"/>; a last progress report with the same figures goes to the session
    /// first, so the seed's cluster view ends at the final values even when the run was shorter
    /// than a progress interval.
    /// </summary>
    public void ReportStatistics(IReadOnlyList<IActorRef> links, IActorRef host, IActorRef replyTo) =>
        MeasureLinks(links).ContinueWith(sent => new FinalMeasured(sent.Result, replyTo), TaskContinuationOptions.OnlyOnRanToCompletion).PipeTo(host);

    public void OnFinalMeasured(FinalMeasured measured, IActorRef session)
    {
        ReportProgress(measured.ByPeer, session);
        var (peers, bytes) = ByPeerNode(measured.ByPeer);
        measured.ReplyTo.Tell(new NodeStatistics(SelfNode, peers, bytes, ledger.PeakBytes(MemoryTag.Activations), pool?.ReservedPeakBytes ?? 0));
    }

    /// <summary>The trace so far, in batches under the frame limit, to the session (which waits for every member's).</summary>
    public void SendTrace(IActorRef session, ILoggingAdapter log)
    {
        if (trace is null)
        {
            return;
        }

        trace.Counter("live activation bytes", ledger.LiveBytes(MemoryTag.Activations));
        trace.ProcessCpu();
        if (pool is not null)
        {
            trace.Counter("reserved bytes", pool.ReservedBytes);
        }
        var batches = TraceBatches.Split(SelfNode, trace.Snapshot());
        foreach (var batch in batches)
        {
            session.Tell(batch);
        }

        log.Info("Sent the trace ({0} events) to the seed in {1} batches.", trace.EventCount, batches.Length);
    }

    private void ReportProgress((int Peer, long Bytes)[] byPeer, IActorRef session)
    {
        long live = ledger.LiveBytes(MemoryTag.Activations);
        trace?.Counter("live activation bytes", live);
        trace?.ProcessCpu();
        var (peers, bytes) = ByPeerNode(byPeer);
        session.Tell(new NodeProgress(SelfNode, Math.Max(1, _clock.ElapsedMilliseconds), peers, bytes, live, ledger.PeakBytes(MemoryTag.Activations), _microBatches));
    }

    /// <summary>Payload bytes the links (both kinds) have sent so far, summed per peer member, by peer index.</summary>
    private static Task<(int Peer, long Bytes)[]> MeasureLinks(IReadOnlyList<IActorRef> links)
    {
        var asks = links.Select(async link =>
        {
            var peer = NodeTrainingHost.PeerOf(link);
            var statistics = await link.Ask<LinkStatistics>(LinkStatisticsRequested.Instance, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            return (Peer: peer, statistics.PayloadBytes);
        });
        return Task.WhenAll(asks).ContinueWith(
            sent => sent.Result.GroupBy(link => link.Peer).OrderBy(group => group.Key).Select(group => (group.Key, group.Sum(link => link.PayloadBytes))).ToArray(),
            TaskContinuationOptions.OnlyOnRanToCompletion);
    }

    /// <summary>Peer addresses and bytes sent to each, as the wire messages carry them.</summary>
    private (string[] Peers, long[] Bytes) ByPeerNode((int Peer, long Bytes)[] byPeer) =>
        (byPeer.Select(link => plan.Nodes[link.Peer]).ToArray(), byPeer.Select(link => link.Bytes).ToArray());

    /// <summary>Bytes sent per peer index, or null when a link did not answer in time.</summary>
    public sealed record LinksMeasured((int Peer, long Bytes)[]? ByPeer) : INoSerializationVerificationNeeded;

    /// <summary>The links' final byte counts, for the statistics owed to <paramref name="ReplyTo"/>.</summary>
    public sealed record FinalMeasured((int Peer, long Bytes)[] ByPeer, IActorRef ReplyTo) : INoSerializationVerificationNeeded;
}
