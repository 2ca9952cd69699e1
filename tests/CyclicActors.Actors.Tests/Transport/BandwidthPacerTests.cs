using CyclicActors.Actors.Transport.Channel;

namespace CyclicActors.Actors.Tests.Transport;

public sealed class BandwidthPacerTests
{
    [Fact]
    public void Unlimited_never_waits()
    {
        var pacer = new BandwidthPacer(0, 1024);
        Assert.True(pacer.IsUnlimited);
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(0, pacer.Reserve(1 << 20, 0)));
    }

    [Fact]
    public void The_first_burst_goes_at_once_and_the_rest_at_the_rate()
    {
        var pacer = new BandwidthPacer(1000, 500);
        Assert.Equal(0, pacer.Reserve(500, 0));
        // Sent back to back, each next 500 bytes waits for the tokens of the ones before it.
        Assert.Equal(0.5, pacer.Reserve(500, 0), 9);
        Assert.Equal(1.0, pacer.Reserve(500, 0), 9);
    }

    [Fact]
    public void Time_spent_waiting_refills_the_bucket_but_never_beyond_the_burst()
    {
        var pacer = new BandwidthPacer(1000, 500);
        Assert.Equal(0, pacer.Reserve(500, 0));
        Assert.Equal(0, pacer.Reserve(250, 0.25));
        // A long pause refills only to the burst: 500 bytes at once, the next 100 wait 0.1 s.
        Assert.Equal(0, pacer.Reserve(500, 100));
        Assert.Equal(0.1, pacer.Reserve(100, 100), 9);
    }

    [Theory]
    [InlineData(1_000, 100, 7)]
    [InlineData(1_000_000, 65_536, 31)]
    [InlineData(12_500_000, 1 << 20, 64)]
    public void Over_many_sends_the_average_rate_is_the_limit(long rate, int chunk, int chunks)
    {
        // A sender that always waits as told: its last byte leaves at (total - burst) / rate.
        var pacer = new BandwidthPacer(rate, chunk);
        var now = 0.0;
        for (var i = 0; i < chunks; i++)
        {
            now += pacer.Reserve(chunk, now);
        }

        Assert.Equal((double)(chunks - 1) * chunk / rate, now, 6);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BandwidthPacer(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BandwidthPacer(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BandwidthPacer(10, 10).Reserve(-1, 0));
    }
}
