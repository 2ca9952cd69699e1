using Akka.Configuration;
using static CyclicActors.Actors.Settings.ConfigReader;

namespace CyclicActors.Actors.Settings;

/// <summary>How stage tensors cross between cluster nodes.</summary>
public enum TensorPath
{
    /// <summary>A dedicated TCP channel per peer and kind: payload straight from the tensor to the socket (the default).</summary>
    Channel,

    /// <summary>Chunks as Akka.Remote messages, sharing the cluster's connection (slower; kept for comparison and for networks that allow one port only).</summary>
    Akka,
}

/// <summary>
/// The typed view of <c>cyclic-actors.transport</c> (hocon/remote.conf), checked against the
/// Akka.Remote frame limit: a chunk that does not fit a frame would be dropped at the sender, and a
/// frame limit that differs between nodes tears associations down, so the mismatch must fail at
/// start, naming both keys.
/// </summary>
public sealed record TransportSettings
{
    /// <summary>Room in a frame for the chunk header and Akka.Remote's envelope (paths, manifest, protobuf).</summary>
    public const int EnvelopeMarginBytes = 64 * 1024;

    public const string FrameSizeKey = "akka.remote.dot-netty.tcp.maximum-frame-size";

    public const string PathKey = "cyclic-actors.transport.path";

    public const string SslKey = "akka.remote.dot-netty.tcp.enable-ssl";

    public const string ChannelPortKey = "cyclic-actors.transport.channel-port";

    public const string BandwidthKey = "cyclic-actors.transport.bandwidth-limit";

    public const string ReceiveLowWaterKey = "cyclic-actors.transport.receive-low-water";

    private TransportSettings()
    {
    }

    public required int ChunkBytes { get; init; }

    public required int WindowChunks { get; init; }

    public required int MaxTensorElements { get; init; }

    public required int MaxActiveTransfers { get; init; }

    /// <summary>Whether tensors take the dedicated channel or Akka.Remote.</summary>
    public TensorPath Path { get; init; } = TensorPath.Channel;

    /// <summary>Port a node's tensor channels listen on (0: any free port).</summary>
    public int ChannelPort { get; init; }

    /// <summary>Payload bytes per second each link may send on the channel path (0: unlimited).</summary>
    public long BandwidthLimit { get; init; }

    /// <summary>The most bytes of a payload a channel read waits for before it wakes (SO_RCVLOWAT; 0: wake for every arrival).</summary>
    public int ReceiveLowWaterBytes { get; init; }

    /// <summary>Akka.Remote's frame limit, when remoting is configured.</summary>
    public int? FrameBytes { get; init; }

    /// <summary>With --tls: the node's certificate and pinned CA; the tensor channel then runs over mutual TLS with them. Null: plain TCP.</summary>
    public Security.ClusterTls? Tls { get; init; }

    public static TransportSettings From(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var chunkBytes = RequireBytes(config, "cyclic-actors.transport.chunk-bytes", minimum: sizeof(float));
        if (chunkBytes % sizeof(float) != 0)
        {
            throw new ConfigurationException($"Configuration key 'cyclic-actors.transport.chunk-bytes' must be a whole number of float32 values (a multiple of 4); got {chunkBytes}.");
        }

        var settings = new TransportSettings
        {
            ChunkBytes = chunkBytes,
            WindowChunks = RequireInt(config, "cyclic-actors.transport.window-chunks", minimum: 1),
            MaxTensorElements = RequireInt(config, "cyclic-actors.transport.max-tensor-elements", minimum: 1),
            MaxActiveTransfers = RequireInt(config, "cyclic-actors.transport.max-active-transfers", minimum: 1),
            Path = ReadPath(config),
            ChannelPort = config.HasPath(ChannelPortKey) ? RequireInt(config, ChannelPortKey, minimum: 0) : 0,
            BandwidthLimit = config.HasPath(BandwidthKey) ? RequireBytes(config, BandwidthKey, minimum: 0) : 0,
            ReceiveLowWaterBytes = config.HasPath(ReceiveLowWaterKey) ? RequireBytes(config, ReceiveLowWaterKey, minimum: 0) : 0,
            Tls = Security.ClusterTls.DirectoryIn(config) is { } tls ? Security.ClusterTls.Load(tls) : null,
        };
        // Without --tls the channel is plain TCP: with Akka's TLS on (from HOCON), tensors must not quietly leave unencrypted.
        if (settings.Path == TensorPath.Channel && settings.Tls is null && config.HasPath(SslKey) && config.GetBoolean(SslKey))
        {
            throw new ConfigurationException(
                $"'{SslKey}' is on but tensors would travel unencrypted over the dedicated channel; set '{PathKey} = akka' to send them through the TLS connection.");
        }

        if (settings.ChannelPort > 65535)
        {
            throw new ConfigurationException($"Configuration key '{ChannelPortKey}' must be a port in 0..65535; got {settings.ChannelPort}.");
        }

        if (config.HasPath(FrameSizeKey))
        {
            var frame = RequireBytes(config, FrameSizeKey, minimum: 32000);
            settings = settings with { FrameBytes = frame };
            if (frame < (long)chunkBytes + EnvelopeMarginBytes)
            {
                throw new ConfigurationException(
                    $"Configuration key '{FrameSizeKey}' ({frame} bytes) must hold one chunk of 'cyclic-actors.transport.chunk-bytes' ({chunkBytes} bytes) plus {EnvelopeMarginBytes} bytes of envelope; raise it to at least {(long)chunkBytes + EnvelopeMarginBytes}b on every node.");
            }
        }

        return settings;
    }

    private static TensorPath ReadPath(Config config)
    {
        var text = StringOr(config, PathKey, "channel");
        return text switch
        {
            "channel" => TensorPath.Channel,
            "akka" => TensorPath.Akka,
            _ => throw new ConfigurationException($"Configuration key '{PathKey}' must be 'channel' or 'akka'; got '{text}'."),
        };
    }
}
