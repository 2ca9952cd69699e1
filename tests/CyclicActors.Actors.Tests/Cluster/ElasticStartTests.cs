using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Tests.Cluster;

public sealed class ElasticStartTests
{
    [Theory]
    // DP (null: any world size): every admitted worker, up to the wanted N, if at least M.
    [InlineData(4, 4, 4, null, 4)]
    [InlineData(4, 4, 3, null, null)]
    [InlineData(4, 2, 3, null, 3)]
    [InlineData(4, 2, 2, null, 2)]
    [InlineData(4, 2, 1, null, null)]
    [InlineData(4, 1, 0, null, null)]
    [InlineData(4, 1, 1, null, 1)]
    [InlineData(4, 2, 6, null, 4)]
    // CDP with L = 4 (valid N: divisors of 8): the largest valid count not above the admitted.
    [InlineData(8, 2, 7, "1,2,4,8", 4)]
    [InlineData(8, 2, 8, "1,2,4,8", 8)]
    [InlineData(8, 2, 3, "1,2,4,8", 2)]
    [InlineData(8, 3, 3, "1,2,4,8", null)]
    [InlineData(8, 5, 7, "1,2,4,8", null)]
    [InlineData(8, 1, 1, "1,2,4,8", 1)]
    // CDP with L = 3 (valid N: 1, 2, 3, 6).
    [InlineData(6, 4, 5, "1,2,3,6", null)]
    [InlineData(6, 3, 5, "1,2,3,6", 3)]
    [InlineData(6, 1, 6, "1,2,3,6", 6)]
    public void The_world_size_is_the_largest_valid_admitted_count_of_at_least_min_workers(int wanted, int min, int admitted, string? valid, int? expected)
    {
        var sizes = valid?.Split(',').Select(int.Parse).ToArray();
        Assert.Equal(expected, ElasticStart.WorldSize(wanted, min, admitted, sizes));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 0)]
    [InlineData(4, 5)]
    public void Bad_wanted_or_min_workers_are_refused(int wanted, int min) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ElasticStart.WorldSize(wanted, min, 1, null));

    [Fact]
    public void Dp_accepts_any_world_size_and_cdp_the_divisors_of_two_l()
    {
        Assert.Null(ElasticStart.ValidWorldSizes(UpdateRule.Dp, 4));
        Assert.Equal([1, 2, 4, 8], ElasticStart.ValidWorldSizes(UpdateRule.CdpV1, 4));
        Assert.Equal([1, 2, 3, 6], ElasticStart.ValidWorldSizes(UpdateRule.CdpV2, 3));
    }
}
