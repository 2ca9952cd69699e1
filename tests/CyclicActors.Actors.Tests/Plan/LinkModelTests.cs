using CyclicActors.Actors.Plan;

namespace CyclicActors.Actors.Tests.Plan;

public sealed class LinkModelTests
{
    [Fact]
    public void A_tensor_arrives_its_size_over_the_bandwidth_plus_a_latency_after_the_wire_is_free()
    {
        var link = new LinkModel(0, 1, new TransportModel(ChunkBytes: 1000, WindowChunks: 8, BandwidthBytesPerSecond: 1e6, LatencySeconds: 0.01));

        Assert.Equal(0.003 + 0.01, link.Send(0, 3000), 12);
        // Offered while the first still occupies the wire: it queues behind it (FIFO).
        Assert.Equal(0.003 + 0.002 + 0.01, link.Send(0.001, 2000), 12);
        Assert.Equal(5, link.Transmissions.Count);
        Assert.Equal(5000, link.Bytes);
    }

    [Fact]
    public void The_window_holds_back_a_chunk_until_the_one_window_places_before_is_acknowledged()
    {
        // Window 2, 1 ms a chunk on the wire, 10 ms each way: chunks 0 and 1 leave at once, chunk 2 waits for chunk 0's acknowledgement (1 + 10 + 10 ms).
        var link = new LinkModel(0, 1, new TransportModel(1000, 2, 1e6, 0.01));
        link.Send(0, 3000);

        Assert.Equal(0.021, link.Transmissions[2].Start, 12);
    }

    [Fact]
    public void An_unlimited_link_carries_chunks_in_no_time()
    {
        var link = new LinkModel(0, 1, TransportModel.Unlimited);

        Assert.Equal(0.5, link.Send(0.5, 5 << 20));
        Assert.All(link.Transmissions, chunk => Assert.Equal(chunk.Start, chunk.End));
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
