using CyclicActors.Actors.Plan;

namespace CyclicActors.Actors.Tests.Plan;

public sealed class FlowNetworkTests
{
    /// <summary>Sends each (channel, bytes, at) and returns when each arrived.</summary>
    private static double[] Arrivals(FlowNetwork network, EventClock clock, params (FlowNetwork.NetworkChannel Channel, long Bytes, double At)[] sends)
    {
        var arrivals = new double[sends.Length];
        for (int i = 0; i < sends.Length; i++)
        {
            int index = i;
            clock.At(sends[i].At, () => sends[index].Channel.Send(sends[index].Bytes, () => arrivals[index] = clock.Now));
        }

        clock.RunAll();
        return arrivals;
    }

    [Fact]
    public void A_tensor_arrives_its_size_over_the_bandwidth_plus_a_latency_and_the_next_on_its_channel_follows_it()
    {
        var clock = new EventClock();
        var network = new FlowNetwork(clock, new TransportModel(ChunkBytes: 1000, WindowChunks: 8, BandwidthBytesPerSecond: 1e6, LatencySeconds: 0.01), machines: 2);
        var channel = network.Open(0, 1);

        var arrivals = Arrivals(network, clock, (channel, 3000, 0), (channel, 2000, 0.001));

        Assert.Equal(0.003 + 0.01, arrivals[0], 12);
        // Sent while the first was still on the wire: it goes after it (the channel is in order).
        Assert.Equal(0.003 + 0.002 + 0.01, arrivals[1], 12);
        Assert.Equal(5000, channel.Bytes);
        Assert.Equal(5000, channel.Transmissions.Sum(stretch => stretch.Bytes), 6);
    }

    [Fact]
    public void Framing_takes_its_share_of_the_link_and_of_the_interface()
    {
        // 1.25 wire bytes a tensor byte: 3000 bytes on a 1 MB/s link take 3.75 ms, and two 1 MB tensors
        // through a 1 MB/s interface 2.5 s, its busy seconds counting the wire bytes.
        var clock = new EventClock();
        var link = new FlowNetwork(clock, new TransportModel(1000, 8, 1e6, 0.01, Framing: 1.25), machines: 2);
        Assert.Equal(0.00375 + 0.01, Arrivals(link, clock, (link.Open(0, 1), 3000, 0))[0], 12);

        clock = new EventClock();
        var nic = new FlowNetwork(clock, new TransportModel(1 << 20, 8, 0, 0, NicBytesPerSecond: 1e6, Framing: 1.25), machines: 3);
        var arrivals = Arrivals(nic, clock, (nic.Open(0, 1), 1_000_000, 0), (nic.Open(0, 2), 1_000_000, 0));
        Assert.Equal([2.5, 2.5], arrivals.Select(at => Math.Round(at, 9)));
        Assert.Equal(2.5, nic.InterfaceBusySeconds[0], 9);

        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowNetwork(new EventClock(), new TransportModel(1000, 8, 1e6, 0, Framing: 0.9), machines: 2));
        Assert.Equal(1514.0 / 1448, TransportModel.EthernetTcpFraming);
    }

    [Fact]
    public void A_tensor_larger_than_the_window_waits_a_round_trip_after_each_window()
    {
        // Window 1 chunk of 1000 bytes, 1 ms on the wire and 10 ms each way: each chunk after the first waits 20 ms for the one before's acknowledgement.
        var clock = new EventClock();
        var network = new FlowNetwork(clock, new TransportModel(1000, 1, 1e6, 0.01), machines: 2);

        var arrivals = Arrivals(network, clock, (network.Open(0, 1), 3000, 0));

        Assert.Equal(0.003 + (2 * 0.02) + 0.01, arrivals[0], 12);
    }

    [Fact]
    public void Tensors_through_one_interface_share_it_evenly_and_one_alone_takes_all_of_it()
    {
        // Machine 0 sends 1 MB to machine 1 and 2 MB to machine 2 over a 1 MB/s interface: both at half
        // the rate until the first ends at 2 s, then the second alone, ending at 3 s.
        var clock = new EventClock();
        var network = new FlowNetwork(clock, new TransportModel(1 << 20, 8, 0, 0, NicBytesPerSecond: 1e6), machines: 3);

        var arrivals = Arrivals(network, clock, (network.Open(0, 1), 1_000_000, 0), (network.Open(0, 2), 2_000_000, 0));

        Assert.Equal(2.0, arrivals[0], 9);
        Assert.Equal(3.0, arrivals[1], 9);
        Assert.Equal([3.0, 1.0, 2.0], network.InterfaceBusySeconds.Select(seconds => Math.Round(seconds, 9)));
    }

    [Fact]
    public void Rates_are_max_min_fair_a_tensor_held_elsewhere_leaves_its_share_to_the_others()
    {
        // 0->2 and 1->2 share machine 2's incoming 1 MB/s; 0->3 shares machine 0's outgoing with 0->2.
        // 0->3 is also capped by its own 0.2 MB/s link, so 0->2 and 1->2 get 0.5 MB/s each.
        var clock = new EventClock();
        var network = new FlowNetwork(clock, new TransportModel(1 << 20, 8, 0.2e6, 0, NicBytesPerSecond: 1e6), machines: 4);
        var arrivals = Arrivals(network, clock, (network.Open(0, 2), 100_000, 0), (network.Open(1, 2), 100_000, 0), (network.Open(0, 3), 20_000, 0));

        // Every tensor here is link-capped at 0.2 MB/s: none fills an interface.
        Assert.Equal([0.5, 0.5, 0.1], arrivals.Select(at => Math.Round(at, 9)));

        var uncappedClock = new EventClock();
        var uncapped = new FlowNetwork(uncappedClock, new TransportModel(1 << 20, 8, 0, 0, NicBytesPerSecond: 1e6), machines: 4);
        var shared = Arrivals(uncapped, uncappedClock, (uncapped.Open(0, 2), 500_000, 0), (uncapped.Open(1, 2), 500_000, 0), (uncapped.Open(0, 3), 500_000, 0));
        // Machine 2's incoming splits 0.5/0.5, machine 0's outgoing 0.5/0.5: 1 s each.
        Assert.Equal([1.0, 1.0, 1.0], shared.Select(at => Math.Round(at, 9)));
    }

    [Fact]
    public void An_unlimited_path_carries_a_tensor_in_no_time()
    {
        var clock = new EventClock();
        var network = new FlowNetwork(clock, TransportModel.Unlimited, machines: 2);
        var channel = network.Open(0, 1);

        var arrivals = Arrivals(network, clock, (channel, 5 << 20, 0.5), (channel, 0, 0.5));

        Assert.Equal([0.5, 0.5], arrivals);
        Assert.All(channel.Transmissions, stretch => Assert.Equal(stretch.Start, stretch.End));
        Assert.Empty(network.InterfaceBusySeconds);
    }

    [Fact]
    public void Even_traffic_has_burstiness_one_and_traffic_in_half_the_windows_two()
    {
        Transmission[] even = [new(0, 1, 100)];
        Transmission[] half = [new(0, 0.5, 100)];

        Assert.Equal(1.0, LinkTraffic.Burstiness(even, 0, 1, 0.1), 9);
        Assert.Equal(2.0, LinkTraffic.Burstiness(half, 0, 1, 0.1), 9);
        Assert.Equal(0.5, LinkTraffic.BusyFraction(half, 0, 1), 12);
        Assert.Equal(10.0, LinkTraffic.Burstiness([new(0.35, 0.35, 100)], 0, 1, 0.1), 9);
    }
}
