using CyclicActors.Actors.Logging;

namespace CyclicActors.Actors.Tests.Logging;

/// <summary>The repeat cap as a pure state machine, on a clock the test moves.</summary>
public sealed class RepeatedLineCapTests
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_line_repeated_in_a_loop_prints_k_times_then_one_summary_per_window()
    {
        var cap = new RepeatedLineCap(TimeSpan.FromSeconds(10), repeatsPerWindow: 3, linesPerWindow: 1000);
        var printed = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            printed.AddRange(cap.Admit("WARNING|remoting|handshake failed", $"[WARNING] handshake failed #{i}", Start.AddMilliseconds(i)));
        }

        Assert.Equal(["[WARNING] handshake failed #0", "[WARNING] handshake failed #1", "[WARNING] handshake failed #2"], printed);
        Assert.Empty(cap.Flush(Start.AddSeconds(9.9)));
        Assert.Equal(["(suppressed 997 repeats within 10 s of: [WARNING] handshake failed #0)"], cap.Flush(Start.AddSeconds(10)));
        Assert.Equal(0, cap.TrackedKeys);

        // The next window starts afresh.
        Assert.Equal(["[WARNING] handshake failed again"], cap.Admit("WARNING|remoting|handshake failed", "[WARNING] handshake failed again", Start.AddSeconds(11)));
    }

    [Fact]
    public void Lines_with_different_keys_are_capped_separately()
    {
        var cap = new RepeatedLineCap(TimeSpan.FromSeconds(10), repeatsPerWindow: 2, linesPerWindow: 1000);
        var printed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            printed.AddRange(cap.Admit("a", $"a{i}", Start));
            printed.AddRange(cap.Admit("b", $"b{i}", Start));
        }

        Assert.Equal(["a0", "b0", "a1", "b1"], printed);
        Assert.Equal(["(suppressed 3 repeats within 10 s of: a0)", "(suppressed 3 repeats within 10 s of: b0)"], cap.FlushAll());
    }

    [Fact]
    public void A_summary_comes_before_the_first_line_of_the_next_window()
    {
        var cap = new RepeatedLineCap(TimeSpan.FromSeconds(1), repeatsPerWindow: 1, linesPerWindow: 1000);
        cap.Admit("k", "line", Start);
        cap.Admit("k", "line", Start.AddMilliseconds(500));

        Assert.Equal(["(suppressed 1 repeats within 1 s of: line)", "line"], cap.Admit("k", "line", Start.AddSeconds(2)));
    }

    [Fact]
    public void Lines_that_all_differ_are_bounded_by_the_total_per_window_and_so_is_the_table()
    {
        var cap = new RepeatedLineCap(TimeSpan.FromSeconds(10), repeatsPerWindow: 5, linesPerWindow: 50);
        var printed = new List<string>();
        for (var i = 0; i < 10_000; i++)
        {
            printed.AddRange(cap.Admit($"key {i}", $"line {i}", Start.AddMilliseconds(i / 10.0)));
        }

        Assert.Equal(50, printed.Count);
        Assert.Equal(50, cap.TrackedKeys);
        Assert.Equal(["(suppressed 9950 log lines over the limit of 50 per 10 s)"], cap.Flush(Start.AddSeconds(11)));
        Assert.Equal(0, cap.TrackedKeys);
    }

    [Fact]
    public void A_summary_shows_only_the_first_line_of_a_multi_line_event()
    {
        var cap = new RepeatedLineCap(TimeSpan.FromSeconds(10), repeatsPerWindow: 1, linesPerWindow: 1000);
        var text = "[ERROR] No transport is loaded\nCause: RemoteTransportException\n   at Akka.Remote.Remoting.LocalAddressForRemote";
        cap.Admit("k", text, Start);
        cap.Admit("k", text, Start);

        Assert.Equal(["(suppressed 1 repeats within 10 s of: [ERROR] No transport is loaded …)"], cap.FlushAll());
    }
}
