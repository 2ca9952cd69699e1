using CyclicActors.Actors.Transport;

namespace CyclicActors.Actors.Tests.Transport;

public sealed class FlowControlWindowTests
{
    [Fact]
    public void At_most_capacity_chunks_are_in_flight_until_acknowledged()
    {
        var window = new FlowControlWindow(3);
        Assert.True(window.TryAcquire());
        Assert.True(window.TryAcquire());
        Assert.True(window.TryAcquire());
        Assert.False(window.TryAcquire());
        Assert.Equal((3, 0), (window.InFlight, window.Available));

        Assert.Equal(AckOutcome.Advanced, window.OnAcknowledged(2));
        Assert.Equal((1, 2), (window.InFlight, window.Available));
        Assert.True(window.TryAcquire());
        Assert.Equal(4, window.Sent);
    }

    [Fact]
    public void Stale_and_impossible_acks_change_nothing()
    {
        var window = new FlowControlWindow(2);
        window.TryAcquire();
        window.TryAcquire();
        Assert.Equal(AckOutcome.Advanced, window.OnAcknowledged(2));
        Assert.Equal(AckOutcome.Stale, window.OnAcknowledged(1));
        Assert.Equal(AckOutcome.Stale, window.OnAcknowledged(2));
        Assert.Equal(AckOutcome.Invalid, window.OnAcknowledged(3));
        Assert.Equal((2L, 2L, 0), (window.Sent, window.Acknowledged, window.InFlight));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowControlWindow(0));
    }

    [Fact]
    public void Lost_reordered_and_repeated_acks_never_leak_credits_or_overfill_the_window()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var capacity = random.Next(1, 9);
            const int total = 500;
            var queue = new ChunkSendQueue<int>(capacity);
            var inFlight = new List<int>(queue.Enqueue(Enumerable.Range(0, total)));
            var received = 0L;
            var acksInTransit = new List<long>();
            var delivered = new List<int>();

            for (var tick = 0; delivered.Count < total || acksInTransit.Count > 0; tick++)
            {
                Assert.True(tick < 100_000, $"seed {seed}: stalled with {queue.Window.InFlight} in flight");
                Assert.InRange(queue.Window.InFlight, 0, capacity);
                if (inFlight.Count > 0 && random.Next(2) == 0)
                {
                    delivered.Add(inFlight[0]); // the link keeps order
                    inFlight.RemoveAt(0);
                    received++;
                    acksInTransit.Add(received);
                    if (random.Next(4) == 0)
                    {
                        acksInTransit.Add(received); // a repeated ack
                    }
                }
                else if (acksInTransit.Count > 0)
                {
                    var index = random.Next(acksInTransit.Count); // acks overtake each other
                    var ack = acksInTransit[index];
                    acksInTransit.RemoveAt(index);
                    // An ack may be lost only while a newer one is still on its way: the receiver's
                    // latest count always arrives in the end (a real receiver re-acks on a timer).
                    var mayBeLost = acksInTransit.Any(pending => pending >= ack);
                    if (!mayBeLost || random.Next(5) != 0)
                    {
                        inFlight.AddRange(queue.OnAcknowledged(ack, out _));
                    }
                }
            }

            Assert.Equal(Enumerable.Range(0, total), delivered);
            Assert.Equal(0, queue.Waiting);
        }
    }

    [Fact]
    public void The_send_queue_releases_in_order_as_credits_return()
    {
        var queue = new ChunkSendQueue<string>(2);
        Assert.Equal(["a", "b"], queue.Enqueue(["a", "b", "c", "d", "e"]));
        Assert.Empty(queue.Enqueue([]));
        Assert.Equal(["c"], queue.OnAcknowledged(1, out var first));
        Assert.Equal(AckOutcome.Advanced, first);
        Assert.Empty(queue.OnAcknowledged(9, out var invalid));
        Assert.Equal(AckOutcome.Invalid, invalid);
        Assert.Equal(["d", "e"], queue.OnAcknowledged(3, out _));
        Assert.Equal(0, queue.Waiting);
    }
}
