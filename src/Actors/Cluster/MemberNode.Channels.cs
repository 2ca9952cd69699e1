using Akka.Actor;
using Akka.Event;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;

namespace CyclicActors.Actors.Cluster;

/// <summary>A member's tensor channels: where they listen, and which of the run's nodes they admit.</summary>
public sealed partial class MemberNode
{
    /// <summary>On the channel path, opens this node's tensor channels on its own host; the ready message tells peers where.</summary>
    private NodeReady Listen()
    {
        var transport = TransportSettings.From(Context.System.Settings.Config);
        if (transport.Path == TensorPath.Akka)
        {
            return new NodeReady(_self);
        }

        var host = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.Host ?? "127.0.0.1";
        var routes = _routes;
        var log = _log;
        _listener = TensorChannelListener.Start(
            host,
            transport.ChannelPort,
            transport,
            channel => channel is (int)TensorKind.Gradient or (int)TensorKind.Parameters,
            (channel, step) =>
            {
                switch (step.Result.Outcome)
                {
                    case ChunkOutcome.Completed when !routes.Deliver((TensorKind)channel, step.Label, step.Tensor!):
                        log.Warning("Dropped a tensor that arrived on channel {0} while this node has no part to hand it to.", channel);
                        break;
                    case ChunkOutcome.Rejected or ChunkOutcome.Duplicate:
                        log.Warning("Dropped a chunk on tensor channel {0}: {1}", channel, step.Result.Reason);
                        break;
                }
            },
            ended => log.Info("{0}", ended),
            (remote, reason) => log.Warning("Refused a tensor channel connection from {0}: {1}", remote, reason));
        _log.Info("Tensor channels listen on {0}:{1}.", host, _listener.Port);
        return new NodeReady(_self, host, _listener.Port, _listener.Token, transport.Tls?.Fingerprint ?? "");
    }

    /// <summary>Every node is ready: over TLS the listener now admits exactly the plan's certificates, and the part wires its links.</summary>
    private void OnChannelsPlanned(ChannelsPlanned channels)
    {
        _listener?.AdmitPeers(channels.Certificates);
        _host?.Forward(channels);
    }
}
