using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>What hosts.sh gives each emulated host's link, apart from any training.</summary>
public sealed class EmulatedHostsLinkTests
{
    /// <summary>
    /// A thin link's queue (100 ms at the rate) holds a few 64 KiB super-packets, which it would drop
    /// whole, so its hosts send frames; a fast link's holds hundreds, and one frame at a time would
    /// make the hosts' kernels the bottleneck a host with segmentation offload does not have.
    /// </summary>
    [EmulatedHostsFact]
    public void A_thin_link_carries_frames_and_a_fast_one_keeps_segmentation_offload()
    {
        using (var thin = EmulatedHosts.Up(2, "100mbit"))
        {
            Assert.All(thin.Hosts, host => Assert.Equal(1, EmulatedHosts.GsoMaxSegments(host.Namespace)));
        }

        using var fast = EmulatedHosts.Up(2, "1gbit");
        Assert.All(fast.Hosts, host => Assert.True(EmulatedHosts.GsoMaxSegments(host.Namespace) > 1));
    }
}
