using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class ClusterConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cyclic-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_cluster_defaults_have_every_transport_and_cluster_key()
    {
        var transport = TransportSettings.From(ClusterConfiguration.Defaults);
        Assert.Equal((1 << 20, 8, 268_435_456, 16), (transport.ChunkBytes, transport.WindowChunks, transport.MaxTensorElements, transport.MaxActiveTransfers));
        Assert.Equal(256 * 1024, transport.ReceiveLowWaterBytes);
        var cluster = ClusterNodeSettings.From(ClusterConfiguration.Defaults);
        Assert.Equal((TimeSpan.FromSeconds(120), 2, (int?)null), (cluster.JoinTimeout, cluster.WorkersPerNode, cluster.MinWorkers));
        Assert.Equal("all", ClusterConfiguration.Defaults.GetString("cyclic-actors.cluster.min-workers"));
        Assert.False(ClusterConfiguration.Defaults.GetBoolean("akka.cluster.singleton-proxy.log-singleton-identification-failure"));
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30)), (cluster.ProgressInterval, cluster.TraceTimeout));
        Assert.Equal("cluster", ClusterConfiguration.Defaults.GetString("akka.actor.provider"));
        Assert.Equal(1114112, ClusterConfiguration.Defaults.GetByteSize(TransportSettings.FrameSizeKey));
        Assert.False(ClusterConfiguration.Defaults.GetBoolean("akka.cluster.split-brain-resolver.down-all-when-unstable"));
        Assert.False(ClusterConfiguration.Defaults.GetBoolean("akka.actor.serialization-settings.allow-unregistered-types"));
    }

    [Fact]
    public void Layers_override_in_order_command_line_over_config_file_over_profiles_over_defaults()
    {
        var profile = Write("profile.conf", "cyclic-actors.transport.window-chunks = 3\ncyclic-actors.transport.max-active-transfers = 5");
        var file = Write("node.conf", "cyclic-actors.transport.window-chunks = 4\ncyclic-actors.cluster.join-timeout = 7s");
        var config = ClusterConfiguration.Compose(new NodeLaunch
        {
            Host = "10.1.2.3",
            Port = 4053,
            SeedNodes = ["akka.tcp://cyclic@10.1.2.3:4053", "akka.tcp://cyclic@seed-b:4054"],
            Roles = ["coordinator", "gpu \"a\""],
            ProfileFiles = [profile],
            ConfigFile = file,
            CommandLineHocon = "cyclic-actors.cluster.workers-per-node = 3\ncyclic-actors.cluster.min-workers = 2",
        });

        Assert.Equal(4, config.GetInt("cyclic-actors.transport.window-chunks"));
        Assert.Equal(5, config.GetInt("cyclic-actors.transport.max-active-transfers"));
        Assert.Equal(TimeSpan.FromSeconds(7), config.GetTimeSpan("cyclic-actors.cluster.join-timeout"));
        Assert.Equal(3, config.GetInt("cyclic-actors.cluster.workers-per-node"));
        Assert.Equal(2, ClusterNodeSettings.From(config).MinWorkers);
        Assert.Equal("10.1.2.3", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["akka.tcp://cyclic@10.1.2.3:4053", "akka.tcp://cyclic@seed-b:4054"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["coordinator", "gpu \"a\""], config.GetStringList("akka.cluster.roles"));
    }

    [Theory]
    [InlineData("cyclic@host:4053", "is not an address")]
    [InlineData("akka.udp://cyclic@host:4053", "protocol 'akka.udp'")]
    [InlineData("akka.tcp://other@host:4053", "names system 'other'")]
    [InlineData("akka.tcp://cyclic@host", "needs a host and a port")]
    public void Bad_seed_nodes_fail_with_the_reason(string seed, string reason)
    {
        var error = Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { SeedNodes = [seed] }));
        Assert.Contains(reason, error.Message);
        Assert.Contains(seed, error.Message);
    }

    [Fact]
    public void A_frame_limit_too_small_for_the_chunk_fails_naming_both_keys()
    {
        var file = Write("small-frame.conf", "cyclic-actors.transport.chunk-bytes = 2 MiB");
        var error = Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { ConfigFile = file }));
        Assert.Contains("akka.remote.dot-netty.tcp.maximum-frame-size", error.Message);
        Assert.Contains("cyclic-actors.transport.chunk-bytes", error.Message);
        Assert.Contains("at least 2162688b", error.Message);
    }

    [Theory]
    [InlineData("cyclic-actors.transport.chunk-bytes = 1001", "multiple of 4")]
    [InlineData("cyclic-actors.transport.window-chunks = 0", "'cyclic-actors.transport.window-chunks' must be at least 1")]
    [InlineData("cyclic-actors.cluster.workers-per-node = -1", "'cyclic-actors.cluster.workers-per-node' must be at least 0")]
    [InlineData("cyclic-actors.cluster.min-workers = 0", "'cyclic-actors.cluster.min-workers' must be at least 1")]
    [InlineData("cyclic-actors.cluster.min-workers = some", "'cyclic-actors.cluster.min-workers' must be 'all' or an integer")]
    [InlineData("cyclic-actors.cluster.join-timeout = soon", "'cyclic-actors.cluster.join-timeout' must be a duration")]
    [InlineData("cyclic-actors.cluster.progress-interval = 0s", "'cyclic-actors.cluster.progress-interval' must be a positive duration")]
    [InlineData("cyclic-actors.cluster.trace-timeout = later", "'cyclic-actors.cluster.trace-timeout' must be a duration")]
    [InlineData("cyclic-actors.transport.path = udp", "'cyclic-actors.transport.path' must be 'channel' or 'akka'; got 'udp'")]
    [InlineData("cyclic-actors.transport.channel-port = 70000", "'cyclic-actors.transport.channel-port' must be a port in 0..65535")]
    [InlineData("cyclic-actors.transport.bandwidth-limit = fast", "'cyclic-actors.transport.bandwidth-limit' must be a size")]
    [InlineData("cyclic-actors.transport.receive-low-water = -1", "'cyclic-actors.transport.receive-low-water' must be")]
    public void Invalid_values_fail_naming_the_key(string hocon, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { CommandLineHocon = hocon }));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Missing_or_malformed_config_files_are_named()
    {
        var missing = Path.Combine(_directory, "absent.conf");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => ClusterConfiguration.Compose(new NodeLaunch { ConfigFile = missing })).Message);
        var broken = Write("broken.conf", "akka.cluster.roles = ${no-such.key}");
        Assert.Contains(broken, Assert.Throws<ConfigurationException>(() => ClusterConfiguration.Compose(new NodeLaunch { ConfigFile = broken })).Message);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
